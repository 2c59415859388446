#pragma once
// numpy.random.SeedSequence, the entropy mixer torchsde seeds its Brownian trees with.
#include <cstdint>
#include <vector>

namespace tessera::engine {

// SeedSequence(entropy, spawn_key=spawnKey, pool_size=poolSize).generate_state(words) as uint32 words.
std::vector<uint32_t> seedSequenceState(uint64_t entropy, const std::vector<uint64_t>& spawnKey, int poolSize, int words);

}  // namespace tessera::engine
