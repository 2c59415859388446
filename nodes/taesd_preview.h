#pragma once
// Sampler previews decoded by TAESD (the tiny autoencoder's decoder): close to the final image and
// at its full size, for the cost of a small network per step.
#include "core/exec/node_context.h"

#include <ATen/core/Tensor.h>

#include <memory>

namespace tessera::engine {
class TaesdDecoder;
}

namespace tessera::nodes {

// `scaledLatent`: [B, C, h, w] in the sampler's space (VAE latent * 0.18215), on any device; the
// first image of the batch is shown at 8h x 8w, as ComfyUI's TAESD previewer shows it.
std::shared_ptr<const PreviewImage> taesdPreview(const engine::TaesdDecoder& decoder, const at::Tensor& scaledLatent);

}  // namespace tessera::nodes
