#pragma once
// Cheap previews of latents while sampling: ComfyUI's "latent2rgb" projection for SD1.x/SD2.x
// (each latent channel contributes a fixed RGB colour), mapped (v+1)/2 to 0..1 and scaled up
// bilinearly to image size. No VAE is run, so it costs next to nothing per step.
#include "core/exec/node_context.h"

#include <ATen/core/Tensor.h>

#include <memory>

namespace tessera::nodes {

// `scaledLatent`: [B,4,h,w] in the sampler's space (VAE latent * 0.18215); the first image of the
// batch is shown, `upscale` times larger than the latent (8 = the image's size).
std::shared_ptr<const PreviewImage> latentPreview(const at::Tensor& scaledLatent, int upscale = 8);

}  // namespace tessera::nodes
