#pragma once
// A fast 64-bit streaming hash for cache signatures and file contents. Not cryptographic:
// it only has to tell different inputs apart with overwhelming probability.
#include "core/graph/value.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tessera {

class Hasher {
public:
    Hasher& bytes(const void* data, size_t size);
    Hasher& u64(uint64_t v);
    Hasher& str(std::string_view s);  // length-prefixed, so ("ab","c") differs from ("a","bc")
    Hasher& value(const Value& v);
    uint64_t digest() const;

private:
    void mixWord(uint64_t w);
    uint64_t state_ = 0x9e3779b97f4a7c15ull;
    uint64_t length_ = 0;
    uint64_t pending_ = 0;
    int pendingBytes_ = 0;
};

// Hash of a file's bytes; throws tessera::Error naming the file when it cannot be read.
uint64_t hashFileContent(const std::string& path);

std::string toHex(uint64_t v);

}  // namespace tessera
