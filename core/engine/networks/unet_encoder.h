#pragma once
// The encoder half shared by the UNet and the ControlNet: timestep embedding MLP, input blocks
// and middle block, built from a UNetConfig and checked against the weights at construction.
#include "core/engine/compute/weight_storage.h"
#include "core/engine/networks/attention.h"
#include "core/engine/networks/nn_layers.h"
#include "core/engine/networks/unet_config.h"
#include "core/engine/networks/unet_stage.h"

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

namespace tessera::engine {

class Weights;

// The inputs of one UNet/ControlNet call, converted to the model's dtype and batch.
struct UNetInputs {
    at::Tensor x, emb, context;
    const TransformerPatch* transformerPatch = nullptr;  // the UNet's only (a ControlNet gets none)
};

struct UNetEncoder {
    UNetConfig config;
    Linear timeEmbed1, timeEmbed2;  // time_embed.0 and time_embed.2
    Linear labelEmbed1, labelEmbed2;  // label_emb.0.0 and label_emb.0.2, when config.admInChannels > 0
    Conv2d inputConv;               // input_blocks.0.0
    std::vector<UNetStage> inputBlocks;  // input_blocks.1 ...
    UNetStage middle;
    AttentionOptions attentionOptions;

    static UNetEncoder load(const UNetConfig& config, const Weights& w);

    // Validates shapes (throws tessera::Error saying what is wrong) and embeds the timesteps, adding
    // label_emb(adm) as ldm does for a network with admInChannels (adm: [B or 1, admInChannels], required
    // then, refused otherwise). `what` names the network in messages ("UNet", "ControlNet").
    UNetInputs prepare(const at::Tensor& x, const at::Tensor& timesteps, const at::Tensor& context,
                       const std::string& what, const at::Tensor& adm = {}) const;
    // Number of input blocks including input_blocks.0 (= number of skip connections).
    int inputBlockCount() const { return 1 + int(inputBlocks.size()); }
    // Runs input block `i` (0 = the input convolution).
    at::Tensor inputBlock(int i, const at::Tensor& h, const UNetInputs& in) const;
    at::Tensor middleBlock(const at::Tensor& h, const UNetInputs& in) const;
    at::ScalarType dtype() const { return computeTypeOf(inputConv.weight); }
    at::Device device() const { return inputConv.weight.device(); }
};


}  // namespace tessera::engine
