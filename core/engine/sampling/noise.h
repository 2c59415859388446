#pragma once
// Gaussian noise drawn exactly like PyTorch's CPU generator (libtorch shares its code), so seeds
// reproduce ComfyUI's noise.
#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace tessera::engine {

// Where samplers take their noise from, one draw per request, in order. Injectable for tests.
class NoiseSource {
public:
    virtual ~NoiseSource() = default;
    // A standard normal tensor with the shape, dtype and device of `like`.
    virtual at::Tensor next(const at::Tensor& like) = 0;
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

// torch.manual_seed(seed); torch.randn(shape) on the CPU: the pipeline's initial noise (float32).
// Negative seeds wrap to uint64 as PyTorch does.
at::Tensor prepareNoise(int64_t seed, at::IntArrayRef shape);

}  // namespace tessera::engine
