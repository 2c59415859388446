#pragma once
// The Stable Diffusion autoencoder (ldm AutoencoderKL): image <-> latent.
//   Weights w = Weights::fromFile(*file, "first_stage_model.");   // or "" for a standalone VAE file
//   Vae vae(VaeConfig::infer(w), w);
//   at::Tensor z = vae.encode(image * 2 - 1);                      // unscaled latent (moments' mean)
//   at::Tensor img = vae.decode(z);                                // NCHW, about -1..1, not clamped
// The weights are used relative to their prefix: encoder.*, decoder.*, quant_conv.*, post_quant_conv.*.
#include "core/engine/files/weights.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tessera::engine {

struct VaeConfig {
    int ch = 128;                   // channels of the first level
    int zChannels = 4;              // latent channels
    int numResBlocks = 2;           // per encoder level (the decoder has one more)
    std::vector<int> chMult{1, 2, 4, 4};
    int inChannels = 3;
    int outChannels = 3;
    bool midAttention = true;

    // Reads every hyper-parameter from tensor shapes. Throws tessera::Error naming the missing
    // or inconsistent key when the weights are not an ldm-style VAE.
    static VaeConfig infer(const Weights& w);

    int levels() const { return static_cast<int>(chMult.size()); }
    // Spatial reduction between image and latent: 2^(levels-1), 8 for every SD VAE.
    int downscale() const { return 1 << (levels() - 1); }
    bool operator==(const VaeConfig&) const = default;
};

// Every parameter an ldm VAE with this config has, with its shape (names relative to the VAE).
std::map<std::string, std::vector<int64_t>> vaeParameterShapes(const VaeConfig& config);

class Vae {
public:
    // Checks every weight against the config's shapes; throws tessera::Error naming the key.
    Vae(VaeConfig config, Weights weights);

    const VaeConfig& config() const { return config_; }
    const Weights& weights() const { return w_; }  // without prefix (CheckpointSave writes them back)
    int downscale() const { return config_.downscale(); }
    // Latent scale used by the samplers (latent * factor); 0.18215 for SD1.x and SD2.x.
    float scalingFactor() const { return scalingFactor_; }
    void setScalingFactor(float f) { scalingFactor_ = f; }

    // NCHW image in -1..1 (sides multiples of downscale()) -> quant_conv output
    // [N, 2*zChannels, H/8, W/8]: mean, then log-variance.
    at::Tensor encodeMoments(const at::Tensor& image) const;
    // The mean of the moments: the unscaled latent [N, zChannels, H/8, W/8].
    at::Tensor encode(const at::Tensor& image) const;
    // Unscaled latent -> NCHW image, about -1..1, not clamped.
    at::Tensor decode(const at::Tensor& z) const;

    // Tile by tile with linearly feathered overlaps, for images too big to process at once.
    // Sizes are in latent cells (decode) or pixels (encode; rounded down to multiples of downscale()).
    // When one tile covers the whole input the result equals decode()/encode().
    at::Tensor decodeTiled(const at::Tensor& z, int tileLatent = 64, int overlapLatent = 16) const;
    at::Tensor encodeTiled(const at::Tensor& image, int tilePixels = 512, int overlapPixels = 64) const;

    // What the VAE nodes use: the whole input where `whole`, else tiles of 64 latent cells overlapping by 16
    // (a 1024x1024 image then decodes in about the memory of a 512x512 one). The nodes run whole up to
    // kWholeLatentCells latent cells (768x768 pixels) and above where the memory available allows it
    // (nodes/memory_estimates.h: vaeDecodesWhole, vaeEncodesWhole).
    static constexpr int64_t kWholeLatentCells = 96 * 96;
    at::Tensor decodeWholeOrTiled(const at::Tensor& z, bool whole) const;
    at::Tensor encodeWholeOrTiled(const at::Tensor& image, bool whole) const;

private:
    at::Tensor runEncoder(const at::Tensor& image) const;
    at::Tensor runDecoder(const at::Tensor& z) const;
    void checkImage(const at::Tensor& image, const char* what) const;
    void checkLatent(const at::Tensor& z, const char* what) const;

    VaeConfig config_;
    Weights w_;
    float scalingFactor_ = 0.18215f;
};

}  // namespace tessera::engine
