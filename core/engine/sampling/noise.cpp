#include "core/engine/sampling/noise.h"

#include "core/common/error.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <map>
#include <string>

namespace tessera::engine {

CpuGeneratorNoise::CpuGeneratorNoise(uint64_t seed) : generator_(at::detail::createCPUGenerator(seed)) {}

at::Tensor CpuGeneratorNoise::next(const at::Tensor& like) {
    at::Tensor n = at::randn(like.sizes(), generator_, at::TensorOptions().dtype(at::kFloat));
    return n.to(like.options());
}

at::Tensor prepareNoise(int64_t seed, at::IntArrayRef shape, const std::vector<int64_t>& batchIndices) {
    at::Generator generator = at::detail::createCPUGenerator(static_cast<uint64_t>(seed));
    const auto options = at::TensorOptions().dtype(at::kFloat);
    if (batchIndices.empty()) return at::randn(shape, generator, options);
    if (shape.empty() || static_cast<int64_t>(batchIndices.size()) != shape[0])
        throw Error("the latent's batch_index lists " + std::to_string(batchIndices.size()) + " entries for a batch of " +
                    (shape.empty() ? std::string("none") : std::to_string(shape[0])));
    const int64_t last = *std::max_element(batchIndices.begin(), batchIndices.end());
    if (*std::min_element(batchIndices.begin(), batchIndices.end()) < 0 || last > kMaxNoiseIndex)
        throw Error("the latent's batch_index holds " + std::to_string(last) + "; noise indices run from 0 to " +
                    std::to_string(kMaxNoiseIndex));
    // ComfyUI's prepare_noise: one-entry draws for 0..max index in order, keeping those asked for.
    std::vector<int64_t> entry(shape.begin(), shape.end());
    entry[0] = 1;
    std::map<int64_t, at::Tensor> drawn;
    for (const int64_t i : batchIndices) drawn.emplace(i, at::Tensor());
    for (int64_t i = 0; i <= last; ++i) {
        at::Tensor n = at::randn(entry, generator, options);
        if (auto it = drawn.find(i); it != drawn.end()) it->second = std::move(n);
    }
    std::vector<at::Tensor> parts;
    parts.reserve(batchIndices.size());
    for (const int64_t i : batchIndices) parts.push_back(drawn.at(i));
    return at::cat(parts);
}

}  // namespace tessera::engine
