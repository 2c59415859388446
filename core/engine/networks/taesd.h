#pragma once
// The decoder of TAESD (madebyollin's Tiny AutoEncoder for Stable Diffusion): a small network
// that turns a sampler-space latent (VAE latent * 0.18215) into an image 8x larger, cheap enough
// to preview every sampling step. Weights are taesd_decoder.safetensors, an nn.Sequential:
//   0 Clamp (tanh(x/3)*3), 1 conv3x3 + 2 ReLU, 3-5 Block, 6 Upsample, 7 conv (no bias),
//   8-10 Block, 11 Upsample, 12 conv, 13-15 Block, 16 Upsample, 17 conv, 18 Block, 19 conv3x3 -> RGB.
// Block(x) = ReLU(conv(ReLU(conv(ReLU(conv(x))))) + skip(x)), skip a 1x1 conv when widths differ.
#include "core/engine/networks/nn_layers.h"

#include <ATen/core/Tensor.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tessera::engine {

class Weights;

class TaesdDecoder {
public:
    // `weights` relative to the Sequential ("1.weight", "3.conv.0.weight", ...). Widths and the
    // latent channel count come from the tensor shapes; throws tessera::Error naming the key of a
    // missing or mis-shaped tensor.
    explicit TaesdDecoder(const Weights& weights);

    int64_t latentChannels() const { return first_.inChannels(); }
    int64_t outChannels() const { return last_.outChannels(); }
    static constexpr int kUpscale = 8;

    // Scaled latent [B, latentChannels, h, w] -> the network's raw output [B, 3, 8h, 8w], about 0..1.
    // Computes in float32 on the weights' device; the result stays there.
    at::Tensor forward(const at::Tensor& scaledLatent) const;
    // The image ComfyUI's TAESD preview shows: forward() clamped to 0..1 (its decode() maps to
    // -1..1 and the preview clamps that to -1..1 and maps back).
    at::Tensor decode(const at::Tensor& scaledLatent) const;

    // A copy with every tensor on `device` (previews follow the sampler's device).
    TaesdDecoder to(const at::Device& device) const;

private:
    struct Block {
        Conv2d conv0, conv1, conv2;
        std::optional<Conv2d> skip;
        at::Tensor operator()(const at::Tensor& x) const;
    };
    // One resolution: the convolution after an upsampling (none for the first) and its blocks.
    struct Stage {
        std::optional<Conv2d> upConv;
        std::vector<Block> blocks;
    };

    TaesdDecoder() = default;
    static Block loadBlock(const Weights& w, int index, int64_t inChannels);

    Conv2d first_, last_;
    std::vector<Stage> stages_;
};

// Reads a taesd_decoder.safetensors file (keys optionally under "decoder." or "taesd_decoder.").
// Errors name the file and the key.
std::shared_ptr<const TaesdDecoder> loadTaesdDecoderFile(const std::string& path);

}  // namespace tessera::engine
