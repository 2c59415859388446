#include "core/engine/sampling/unclip_adm.h"

#include "core/common/error.h"
#include "core/engine/compute/shape_text.h"
#include "core/engine/networks/unet_blocks.h"
#include "core/engine/sampling/noise.h"

#include <ATen/ATen.h>

#include <cmath>

namespace tessera::engine {
namespace {

constexpr int kUnclipMaxNoiseLevel = 1000;
constexpr double kUnclipMergeNoiseAugmentation = 0.05;  // ComfyUI's unclip_noise_augment_merge default

// Python's round() on level * 999: half to even.
int64_t unclipNoiseLevel(double noiseAugmentation) {
    return static_cast<int64_t>(std::nearbyint((kUnclipMaxNoiseLevel - 1) * noiseAugmentation));
}

// CLIPEmbeddingNoiseAugmentation.forward with a fixed level and seed: [1, width] -> [1, 2 * width].
at::Tensor unclipAugment(const at::Tensor& embed, int64_t level, int64_t seed) {
    const auto [signal, noise] = unclipNoiseScales(level);
    const at::Tensor drawn = prepareNoise(seed, embed.sizes());
    const at::Tensor noised = embed * signal + drawn * noise;
    const at::Tensor levelEmbedding = timestepEmbedding(at::full({1}, double(level), at::kFloat), embed.size(1));
    return at::cat({noised, levelEmbedding}, 1);
}

}  // namespace

std::pair<float, float> unclipNoiseScales(int64_t level) {
    if (level < 0 || level >= kUnclipMaxNoiseLevel)
        throw Error("unCLIP noise level " + std::to_string(level) + " is outside 0..999 (noise_augmentation must be 0..1)");
    // betas_for_alpha_bar(1000, cos((t + 0.008) / 1.008 * pi / 2) ** 2, max_beta 0.999), then cumprod(1 - beta).
    const auto alphaBar = [](double t) {
        const double c = std::cos((t + 0.008) / 1.008 * M_PI / 2);
        return c * c;
    };
    double cumprod = 1.0;
    for (int64_t i = 0; i <= level; ++i) {
        const double t1 = double(i) / kUnclipMaxNoiseLevel, t2 = double(i + 1) / kUnclipMaxNoiseLevel;
        cumprod *= 1.0 - std::min(1.0 - alphaBar(t2) / alphaBar(t1), 0.999);
    }
    return {float(std::sqrt(cumprod)), float(std::sqrt(1.0 - cumprod))};
}

at::Tensor unclipAdm(const std::vector<UnclipImage>& images, int64_t admChannels, int64_t seed) {
    if (admChannels <= 0 || admChannels % 2 != 0)
        throw Error("an unCLIP model's ADM width must be even (image embedding + noise-level embedding), got " +
                    std::to_string(admChannels));
    const int64_t width = admChannels / 2;
    const int64_t augmentSeed = static_cast<int64_t>(static_cast<uint64_t>(seed) - 10u);  // wraps like Python ints into torch
    std::vector<at::Tensor> parts;
    for (const UnclipImage& image : images) {
        const at::Tensor embeds = image.imageEmbeds;
        if (!embeds.defined() || embeds.dim() != 2 || embeds.size(1) != width)
            throw Error("unCLIP: the image embedding has shape " +
                        (embeds.defined() ? shapeText(embeds.sizes()) : std::string("nothing")) + " but this model takes " +
                        std::to_string(width) + " values per image (is the CLIP vision model the one of this unCLIP checkpoint?)");
        const int64_t level = unclipNoiseLevel(image.noiseAugmentation);
        for (int64_t row = 0; row < embeds.size(0); ++row)
            parts.push_back(unclipAugment(embeds.narrow(0, row, 1).to(at::kCPU, at::kFloat), level, augmentSeed) *
                            image.strength);
    }
    if (parts.empty()) return at::zeros({1, admChannels}, at::kFloat);
    if (parts.size() == 1) return parts.front();
    const at::Tensor sum = at::stack(parts).sum(0);
    return unclipAugment(sum.narrow(1, 0, width), unclipNoiseLevel(kUnclipMergeNoiseAugmentation), augmentSeed);
}

}  // namespace tessera::engine
