#include "core/exec/memory_budget.h"

#include "core/common/error.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <mutex>
#include <sstream>

namespace tessera {
namespace {

constexpr uint64_t kUnlimited = std::numeric_limits<uint64_t>::max();

std::mutex testLimitMutex;
std::optional<uint64_t> testLimit;

std::optional<uint64_t> readNumber(const std::string& path) {
    std::ifstream in(path);
    std::string word;
    if (!(in >> word) || word == "max") return std::nullopt;
    return parseByteSize(word);
}

// MemAvailable: what the kernel can give without swapping (free pages plus reclaimable cache).
std::optional<uint64_t> memAvailable() {
    std::ifstream in("/proc/meminfo");
    std::string key;
    uint64_t kib = 0;
    std::string unit;
    while (in >> key >> kib >> unit) {
        if (key == "MemAvailable:") return kib * 1024;
    }
    return std::nullopt;
}

// The cgroup's room: memory.max - memory.current (v2, the process's own group), or the v1 limit.
std::optional<uint64_t> cgroupRoom() {
    std::ifstream self("/proc/self/cgroup");
    std::string line;
    while (std::getline(self, line)) {
        if (line.rfind("0::", 0) != 0) continue;
        const std::string dir = "/sys/fs/cgroup" + line.substr(3);
        const auto max = readNumber(dir + "/memory.max");
        if (!max) return std::nullopt;
        const uint64_t current = readNumber(dir + "/memory.current").value_or(0);
        return *max > current ? *max - current : 0;
    }
    const auto v1 = readNumber("/sys/fs/cgroup/memory/memory.limit_in_bytes");
    if (!v1 || *v1 >= (uint64_t(1) << 60)) return std::nullopt;  // v1 writes "no limit" as a huge number
    const uint64_t used = readNumber("/sys/fs/cgroup/memory/memory.usage_in_bytes").value_or(0);
    return *v1 > used ? *v1 - used : 0;
}

std::string firstLine(const std::string& s) { return s.substr(0, s.find('\n')); }

}  // namespace

std::optional<uint64_t> parseByteSize(const std::string& text) {
    if (text.empty()) return std::nullopt;
    size_t used = 0;
    unsigned long long value = 0;
    try {
        value = std::stoull(text, &used);
    } catch (const std::exception&) {
        return std::nullopt;
    }
    if (text[0] == '-') return std::nullopt;
    const std::string suffix = text.substr(used);
    int shift = 0;
    if (suffix.empty()) shift = 0;
    else if (suffix == "K" || suffix == "k") shift = 10;
    else if (suffix == "M" || suffix == "m") shift = 20;
    else if (suffix == "G" || suffix == "g") shift = 30;
    else if (suffix == "T" || suffix == "t") shift = 40;
    else return std::nullopt;
    if (shift && value > (kUnlimited >> shift)) return kUnlimited;
    return uint64_t(value) << shift;
}

std::string formatBytes(uint64_t bytes) {
    if (bytes == kUnlimited) return "more than 16 EiB";
    const char* units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (bytes < 1024) return std::to_string(bytes) + " bytes";
    double v = double(bytes) / 1024;
    int u = 0;
    while (v >= 1024 && u < 5) {
        v /= 1024;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
    return buf;
}

uint64_t addBytes(uint64_t a, uint64_t b) { return a > kUnlimited - b ? kUnlimited : a + b; }

uint64_t mulBytes(uint64_t a, uint64_t b) {
    if (a == 0 || b == 0) return 0;
    return a > kUnlimited / b ? kUnlimited : a * b;
}

uint64_t tensorBytes(std::initializer_list<int64_t> shape, uint64_t elementBytes) {
    uint64_t total = elementBytes;
    for (const int64_t d : shape) total = mulBytes(total, d > 0 ? uint64_t(d) : 0);
    return total;
}

void setMemoryLimitForTesting(std::optional<uint64_t> bytes) {
    std::lock_guard lock(testLimitMutex);
    testLimit = bytes;
}

MemoryLimit availableMemory() {
    {
        std::lock_guard lock(testLimitMutex);
        if (testLimit) return {*testLimit, "the memory limit set for this run"};
    }
    MemoryLimit limit{kUnlimited, "no limit known"};
    auto consider = [&](std::optional<uint64_t> bytes, const char* source) {
        if (bytes && *bytes < limit.bytes) limit = {*bytes, source};
    };
    consider(memAvailable(), "MemAvailable in /proc/meminfo");
    consider(cgroupRoom(), "what is left under the cgroup's memory.max");
    if (const char* env = std::getenv("TESSERA_MEMORY_LIMIT"); env && *env)
        consider(parseByteSize(env), "TESSERA_MEMORY_LIMIT");
    return limit;
}

void requireMemory(uint64_t bytes, const std::string& what) {
    const MemoryLimit limit = availableMemory();
    if (bytes <= limit.bytes) return;
    throw Error("needs about " + formatBytes(bytes) + " for " + what + ", but only " + formatBytes(limit.bytes) +
                " is available (" + limit.source + "); use a smaller size or batch");
}

bool isOutOfMemoryMessage(const std::string& message) {
    return message.find("out of memory") != std::string::npos ||
           message.find("can't allocate memory") != std::string::npos ||
           message.find("std::bad_alloc") != std::string::npos;
}

std::string outOfMemoryMessage(const std::string& allocatorMessage) {
    return "ran out of memory (" + firstLine(allocatorMessage) +
           "); use a smaller image or batch, tiled VAE decoding, or fewer models loaded at once";
}

}  // namespace tessera
