#include "core/engine/sampling/noise.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

namespace tessera::engine {

CpuGeneratorNoise::CpuGeneratorNoise(uint64_t seed) : generator_(at::detail::createCPUGenerator(seed)) {}

at::Tensor CpuGeneratorNoise::next(const at::Tensor& like) {
    at::Tensor n = at::randn(like.sizes(), generator_, at::TensorOptions().dtype(at::kFloat));
    return n.to(like.options());
}

at::Tensor prepareNoise(int64_t seed, at::IntArrayRef shape) {
    at::Generator generator = at::detail::createCPUGenerator(static_cast<uint64_t>(seed));
    return at::randn(shape, generator, at::TensorOptions().dtype(at::kFloat));
}

}  // namespace tessera::engine
