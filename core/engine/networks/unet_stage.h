#pragma once
// One entry of a UNet's input_blocks / middle_block / output_blocks: a short sequence of layers
// (ldm's TimestepEmbedSequential), e.g. ResBlock + SpatialTransformer (+ Upsample).
#include "core/engine/networks/spatial_transformer.h"
#include "core/engine/networks/unet_blocks.h"

#include <ATen/core/Tensor.h>

#include <variant>
#include <vector>

namespace tessera::engine {

using UNetLayer = std::variant<ResBlock, SpatialTransformer, Downsample, Upsample>;

struct UNetStage {
    std::vector<UNetLayer> layers;

    // `upsampleTo` is the spatial size an Upsample layer must produce (the next skip connection's).
    at::Tensor forward(const at::Tensor& x, const at::Tensor& emb, const at::Tensor& context,
                       const AttentionOptions& options, at::IntArrayRef upsampleTo = {},
                       const TransformerPatch* patch = nullptr) const;
};

}  // namespace tessera::engine
