#pragma once
// libtorch failures during a network's forward pass, as messages for artists.
#include <exception>
#include <string>

namespace tessera::engine {

// True for the messages of libtorch's CPU and CUDA allocators when an allocation fails.
bool isOutOfMemory(const std::string& message);
// A libtorch failure (c10::Error) during `what`'s forward pass as a tessera::Error; running out of
// memory says so and how to need less.
[[noreturn]] void rethrowAsError(const std::string& what, const std::exception& e);

}  // namespace tessera::engine
