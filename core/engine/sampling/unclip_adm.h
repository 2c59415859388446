#pragma once
// The ADM vector an SD2 unCLIP UNet takes through label_emb, as ComfyUI's SD21UNCLIP.encode_adm and
// unclip_adm build it (comfy/model_base.py, noise_aug_modules.py): each image embedding is noised to
// level round(999 * noise_augmentation) on the squaredcos_cap_v2 schedule with noise drawn from a CPU
// generator seeded with the sampler's seed - 10, joined with the sinusoidal embedding of that level and
// multiplied by its strength. Several images (in one or several unCLIP conditionings) are summed and the
// sum's embedding half noised again at level round(999 * 0.05). No image: zeros.
// ComfyUI's data statistics are zeros and ones (no clip_stats_path), so its scale/unscale are identities.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <utility>
#include <vector>

namespace tessera::engine {

// What unCLIPConditioning attaches: CLIPVisionEncode's image embeds with the node's two numbers.
struct UnclipImage {
    at::Tensor imageEmbeds;  // [B, width]: each row is one image
    double strength = 1.0;
    double noiseAugmentation = 0.0;  // 0..1
};

// [1, admChannels]. The embedding is admChannels / 2 wide (SD2.1 unCLIP L: 768 + 768, H: 1024 + 1024).
// Throws tessera::Error when an image embedding has another width (a CLIP vision model for another model).
// ComfyUI draws the re-noising of a sum from torch's global generator; Tessera seeds it like the rest
// (seed - 10) so a run repeats.
at::Tensor unclipAdm(const std::vector<UnclipImage>& images, int64_t admChannels, int64_t seed);

// sqrt(alphas_cumprod)[level] and sqrt(1 - alphas_cumprod)[level] of the noise augmentor's 1000-step
// squaredcos_cap_v2 schedule (computed in float64, kept in float32 as ComfyUI's buffers).
std::pair<float, float> unclipNoiseScales(int64_t level);

}  // namespace tessera::engine
