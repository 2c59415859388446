#pragma once
// Pasting one batch of NCHW tensors into another, as ComfyUI's comfy_extras/nodes_mask.py composite()
// does for LatentCompositeMasked (8 pixels per latent cell) and ImageCompositeMasked (1), and the
// batch helpers ComfyUI's batch and blend nodes share.
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace tessera::nodes {

// comfy.utils.repeat_to_batch_size: tiled along the batch, then cut to `batch`.
at::Tensor repeatToBatch(const at::Tensor& t, int64_t batch);

// `source` pasted into a copy of `destination` with its top-left at (x, y) pixels (x, y >= 0;
// `multiplier` pixels per cell), through `mask` ([B,H,W] or [H,W], resized bilinearly to the source;
// undefined = all of it), the source first resized to the destination when `resizeSource`. The
// source and mask batches are repeated or cut to the destination's; what falls outside is left out.
at::Tensor compositeInto(const at::Tensor& destination, at::Tensor source, int64_t x, int64_t y, at::Tensor mask,
                         int64_t multiplier, bool resizeSource);

}  // namespace tessera::nodes
