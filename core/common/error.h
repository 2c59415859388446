#pragma once
// One exception type for every user-facing failure. The message is written for the
// artist: it names what failed (a node, a file, a tensor) and, where possible, how to fix it.
#include <stdexcept>
#include <string>

namespace tessera {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Thrown by long work that noticed a cancellation request; not an error to report.
class Cancelled : public std::runtime_error {
public:
    Cancelled() : std::runtime_error("cancelled") {}
};

} // namespace tessera
