#pragma once
// The Stable Diffusion denoising UNet (ldm "openaimodel" layout, SD1.x/SD2.x, inpainting variants),
// with optional ControlNet residuals. Built once from weights (tensors are fetched and checked at
// construction: rebuild after patching the Weights).
#include "core/engine/networks/attention.h"
#include "core/engine/networks/control_residuals.h"
#include "core/engine/networks/free_u.h"
#include "core/engine/networks/unet_config.h"
#include "core/engine/networks/unet_encoder.h"

#include <ATen/core/Tensor.h>

#include <span>
#include <utility>
#include <vector>

namespace tessera::engine {

class Weights;

class UNet {
public:
    // `weights` without the "model.diffusion_model." prefix. Throws tessera::Error naming the
    // missing or mis-shaped key.
    UNet(const UNetConfig& config, const Weights& weights);
    explicit UNet(const Weights& weights);  // config inferred from the shapes

    // x: NCHW latent (inChannels channels, any size), timesteps: float [B] (or [1]),
    // context: [B or 1, tokens, contextDim] -> the model output [B, outChannels, H, W].
    // adm: [B or 1, admInChannels], required by a class-conditioned UNet (label_emb, SD2 unCLIP), else empty.
    // `patch` runs inside every transformer block (GLIGEN's gated self-attention); each of `freeU`, in
    // order, in every output block (ComfyUI's output_block_patch), after the ControlNet's residual.
    at::Tensor forward(const at::Tensor& x, const at::Tensor& timesteps, const at::Tensor& context,
                       const ControlResiduals* control = nullptr, const at::Tensor& adm = {},
                       const TransformerPatch* patch = nullptr, std::span<const FreeU> freeU = {}) const;

    // Spatial transformers numbered input blocks, middle block, output blocks (ComfyUI's transformer_index).
    int transformerCount() const { return transformerBlocks_; }
    // The indices of the middle block's spatial transformers: [first, second).
    std::pair<int, int> middleTransformers() const { return middleTransformers_; }

    const UNetConfig& config() const { return encoder_.config; }
    void setAttentionOptions(const AttentionOptions& options) { encoder_.attentionOptions = options; }
    const AttentionOptions& attentionOptions() const { return encoder_.attentionOptions; }
    at::Device device() const { return encoder_.device(); }

private:
    void numberTransformerBlocks();
    at::Tensor decode(at::Tensor h, std::vector<at::Tensor>& skips, const UNetInputs& in,
                      const ControlResiduals* control, std::span<const FreeU> freeU) const;

    UNetEncoder encoder_;
    std::vector<UNetStage> outputBlocks_;
    GroupNorm outNorm_;
    Conv2d outConv_;
    int transformerBlocks_ = 0;
    std::pair<int, int> middleTransformers_{0, 0};
};

}  // namespace tessera::engine
