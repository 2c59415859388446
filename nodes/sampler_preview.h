#pragma once
// How sampler nodes show their steps, chosen once per run from Environment::previewMethod:
// "auto" (TAESD when vae_approx/taesd_decoder.safetensors is in a models folder, else latent2rgb),
// "latent2rgb", "taesd" or "none".
#include "core/exec/environment.h"
#include "core/exec/node_context.h"

#include <ATen/core/Tensor.h>

#include <functional>
#include <memory>
#include <string>

namespace tessera::nodes {

// Turns the step's denoised estimate (sampler space, [B, C, h, w]) into the picture to show, or
// nothing when this step's preview is skipped (slow TAESD decodes are rate-limited).
using Previewer = std::function<std::shared_ptr<const PreviewImage>(const at::Tensor& scaledLatent)>;

// Empty for "none". Loads (or shares) the TAESD decoder. Throws tessera::Error for "taesd" without
// the file (naming where it goes) and for an unknown method.
Previewer choosePreviewer(const Environment& env);

// Where TAESD's decoder should be: the first models folder's vae_approx/taesd_decoder.safetensors.
std::string taesdDecoderDestination(const Environment& env);

}  // namespace tessera::nodes
