#pragma once
// How much memory a node may still allocate, and the check nodes make before a large allocation:
// the one place that knows the process's memory limit (MemAvailable, the cgroup's memory.max, or a
// limit set for tests and users through TESSERA_MEMORY_LIMIT) and says so when something won't fit.
// No torch here: the engine estimates sizes, this compares them with what is available.
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>

namespace tessera {

struct MemoryLimit {
    uint64_t bytes = 0;
    std::string source;  // where the number comes from, for messages: "MemAvailable in /proc/meminfo", ...
};

// What the process can still allocate on the CPU: the smallest of MemAvailable, the cgroup's
// memory.max minus its memory.current, and TESSERA_MEMORY_LIMIT (bytes, or with a K/M/G suffix)
// or the limit set by setMemoryLimitForTesting.
MemoryLimit availableMemory();

// Replaces the environment's and the system's limit (nullopt: back to them). For tests.
void setMemoryLimitForTesting(std::optional<uint64_t> bytes);

// Reads "123", "64K", "512M", "2G" (powers of 1024); nullopt when unreadable.
std::optional<uint64_t> parseByteSize(const std::string& text);
// "1.5 GiB", "12.0 MiB", "900 bytes".
std::string formatBytes(uint64_t bytes);

// Bytes of a tensor of `shape` with `elementBytes` per element, saturating at UINT64_MAX instead of
// overflowing (a 16384x16384 batch of 4096 still compares as "too much").
uint64_t tensorBytes(std::initializer_list<int64_t> shape, uint64_t elementBytes);
// a + b and a * b, saturating.
uint64_t addBytes(uint64_t a, uint64_t b);
uint64_t mulBytes(uint64_t a, uint64_t b);

// Throws tessera::Error("needs about <needed> for <what>, but only <available> is available (<source>)")
// when `bytes` exceed what is available. `what` describes the work: "a 64x4x2048x2048 latent".
void requireMemory(uint64_t bytes, const std::string& what);

// True for the messages allocators give when an allocation fails (libtorch's CPU and CUDA
// allocators, std::bad_alloc).
bool isOutOfMemoryMessage(const std::string& message);
// The message a node's out-of-memory failure is reported with: the allocator's first line and
// how to need less.
std::string outOfMemoryMessage(const std::string& allocatorMessage);

}  // namespace tessera
