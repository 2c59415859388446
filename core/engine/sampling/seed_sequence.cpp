#include "core/engine/sampling/seed_sequence.h"

#include <cstddef>

namespace tessera::engine {
namespace {

constexpr uint32_t kInitA = 0x43b0d7e5, kMultA = 0x931e8875;
constexpr uint32_t kInitB = 0x8b51f9dd, kMultB = 0x58f38ded;
constexpr uint32_t kMixMultL = 0xca01f9dd, kMixMultR = 0x4973f715;
constexpr int kXShift = 16;

// An integer as numpy spells it in 32-bit words, least significant first (0 is one word).
void appendWords(std::vector<uint32_t>& out, uint64_t n) {
    if (n == 0) out.push_back(0);
    for (; n > 0; n >>= 32) out.push_back(static_cast<uint32_t>(n));
}

uint32_t hashmix(uint32_t value, uint32_t& hashConst) {
    value ^= hashConst;
    hashConst *= kMultA;
    value *= hashConst;
    return value ^ (value >> kXShift);
}

uint32_t mixWords(uint32_t x, uint32_t y) {
    const uint32_t r = kMixMultL * x - kMixMultR * y;
    return r ^ (r >> kXShift);
}

}  // namespace

std::vector<uint32_t> seedSequenceState(uint64_t entropy, const std::vector<uint64_t>& spawnKey, int poolSize, int words) {
    std::vector<uint32_t> assembled;
    appendWords(assembled, entropy);
    std::vector<uint32_t> spawn;
    for (uint64_t k : spawnKey) appendWords(spawn, k);
    if (!spawn.empty() && assembled.size() < static_cast<std::size_t>(poolSize)) assembled.resize(static_cast<std::size_t>(poolSize), 0);
    assembled.insert(assembled.end(), spawn.begin(), spawn.end());

    const std::size_t n = static_cast<std::size_t>(poolSize);
    std::vector<uint32_t> pool(n);
    uint32_t hashConst = kInitA;
    for (std::size_t i = 0; i < n; ++i) pool[i] = hashmix(i < assembled.size() ? assembled[i] : 0, hashConst);
    for (std::size_t src = 0; src < n; ++src)
        for (std::size_t dst = 0; dst < n; ++dst)
            if (src != dst) pool[dst] = mixWords(pool[dst], hashmix(pool[src], hashConst));
    for (std::size_t src = n; src < assembled.size(); ++src)
        for (std::size_t dst = 0; dst < n; ++dst) pool[dst] = mixWords(pool[dst], hashmix(assembled[src], hashConst));

    std::vector<uint32_t> state(static_cast<std::size_t>(words));
    uint32_t stateConst = kInitB;
    for (std::size_t i = 0; i < state.size(); ++i) {
        uint32_t v = pool[i % n] ^ stateConst;
        stateConst *= kMultB;
        v *= stateConst;
        state[i] = v ^ (v >> kXShift);
    }
    return state;
}

}  // namespace tessera::engine
