#pragma once
// Gaussian noise drawn exactly like PyTorch's CPU generator (libtorch shares its code), so seeds
// reproduce ComfyUI's noise.
#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace tessera::engine {

// Where samplers take their noise from, one draw per request, in order. Injectable for tests.
class NoiseSource {
public:
    virtual ~NoiseSource() = default;
    // A standard normal tensor with the shape, dtype and device of `like`.
    virtual at::Tensor next(const at::Tensor& like) = 0;
    // The seed of ComfyUI's Brownian-tree noise for the SDE samplers (dpmpp_sde, dpmpp_2m_sde(_heun),
    // dpmpp_3m_sde), or none: then they take next() for every interval, as ComfyUI does when given a noise sampler.
    virtual std::optional<uint64_t> brownianSeed() const { return std::nullopt; }
};

// A dedicated CPU generator seeded once; every draw is one randn of the requested shape (float32,
// then moved to like's dtype/device), as ComfyUI's default_noise_sampler with a seeded generator.
class CpuGeneratorNoise : public NoiseSource {
public:
    explicit CpuGeneratorNoise(uint64_t seed);
    at::Tensor next(const at::Tensor& like) override;

private:
    at::Generator generator_;
};

// ComfyUI's noise for a sampler run with `seed` (its extra_args["seed"]): the ancestral samplers draw from a CPU
// generator seeded with seed + 1 (default_noise_sampler), the SDE samplers from a Brownian tree with entropy seed.
class SamplerSeedNoise : public CpuGeneratorNoise {
public:
    explicit SamplerSeedNoise(uint64_t seed) : CpuGeneratorNoise(seed + 1), seed_(seed) {}
    std::optional<uint64_t> brownianSeed() const override { return seed_; }

private:
    uint64_t seed_;
};

// torch.manual_seed(seed); torch.randn(shape) on the CPU: the pipeline's initial noise (float32).
// Negative seeds wrap to uint64 as PyTorch does.
// With `batchIndices` (ComfyUI's latent "batch_index", one per batch entry), entry i gets the noise that
// draw number batchIndices[i] of one-entry draws from the seed gives: a latent taken from a batch keeps its noise.
at::Tensor prepareNoise(int64_t seed, at::IntArrayRef shape, const std::vector<int64_t>& batchIndices = {});
// The largest batch index prepareNoise draws up to (every index below it costs one draw).
inline constexpr int64_t kMaxNoiseIndex = 65535;

}  // namespace tessera::engine
