#pragma once
// Engine-facing inputs with the checks every node needs, so each node's error says which node,
// which input and what to do: a VAE that may be missing from a checkpoint, mask batches, crops.
#include "core/exec/node_context.h"
#include "nodes/image_node_support.h"  // imageInput, maskInput

#include <ATen/core/Tensor.h>

#include <memory>
#include <string>

namespace tessera::engine {
class Vae;
}

namespace tessera::nodes {

// A VAE input that really holds a VAE (a checkpoint without one gives an empty VAE).
std::shared_ptr<const engine::Vae> vaeInput(const NodeContext& ctx, const std::string& name);

// Fails unless a mask batch of `maskBatch` can go with `batch` images/latents (1 or the same).
void checkMaskBatch(const NodeContext& ctx, int64_t maskBatch, int64_t batch, const std::string& what);

// ComfyUI's crop to whole latent cells: sides rounded down to multiples of `multiple`, the
// remainder split evenly (the extra pixel on the far side). `t` is [B,H,W,...] or [B,C,H,W] with
// the spatial axes at `hDim` and `hDim + 1`.
at::Tensor cropToMultiple(const at::Tensor& t, int64_t hDim, int64_t multiple);

// Bytes of one element of the VAE's activations on this run's placement (memory_estimates' elementBytes).
int64_t vaeElementBytes(const NodeContext& ctx);

// IMAGE [B,H,W,3] 0..1 -> unscaled latent, after ComfyUI's crop to whole latent cells: the memory checked
// first, then whole or in tiles (vaeEncodesWhole). A crop and tiles are told to the user (NodeContext::note).
// Every node that encodes pixels comes through here.
at::Tensor encodeImage(const NodeContext& ctx, const engine::Vae& vae, const at::Tensor& pixels);
// The same in tiles of `tilePixels` overlapping by `overlapPixels` (Vae::encodeTiled), whatever the memory.
at::Tensor encodeImageTiled(const NodeContext& ctx, const engine::Vae& vae, const at::Tensor& pixels, int64_t tilePixels,
                            int64_t overlapPixels);
// Unscaled latent -> IMAGE [B,H,W,3] clamped to 0..1.
at::Tensor decodedToImage(const at::Tensor& decodedNchw);

// What inpainting nodes prepare from an image and a mask (ComfyUI's VAEEncodeForInpaint and
// InpaintModelConditioning): both cropped to whole latent cells, the mask resized bilinearly to
// the image first, and a copy of the image with the masked pixels set to grey. A crop is noted.
struct InpaintPixels {
    at::Tensor pixels;  // [B,H,W,3] cropped
    at::Tensor mask;    // [Bm,1,H,W] at the cropped image size, not rounded
    at::Tensor greyed;  // pixels with the (rounded) mask's area set to 0.5
};
InpaintPixels prepareInpaintPixels(const NodeContext& ctx, const at::Tensor& pixels, const at::Tensor& mask);

}  // namespace tessera::nodes
