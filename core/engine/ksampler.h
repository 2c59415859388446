#pragma once
// One sampling run with ComfyUI's KSampler / KSamplerAdvanced semantics (refdata README,
// "Pipeline semantics" 2-9): noise from the seed, sigmas from scheduler/steps/denoise,
// classifier-free guidance, noise-mask inpainting, ControlNets gated by start/end percent,
// 9-channel inpainting models. Latents in and out are unscaled (VAE space).
#include "core/common/cancel.h"
#include "core/engine/samplers.h"

#include <ATen/core/Tensor.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tessera::engine {

struct DiffusionModel;
class ControlNet;

struct ControlApplication {
    std::shared_ptr<const ControlNet> net;
    at::Tensor hint;  // NCHW 0..1; resized to 8x the latent when it differs
    double strength = 1.0;
    double startPercent = 0.0;
    double endPercent = 1.0;
};

// One side of the guidance (positive or negative): ComfyUI's CONDITIONING entry.
struct Conditioning {
    at::Tensor context;  // [1, tokens, width]
    std::vector<ControlApplication> controls;
    // 9-channel inpainting models: the mask [1,1,H,W] (1 = repaint) and the latent of the masked
    // image (unscaled) from InpaintModelConditioning. Empty: full mask and a grey-image latent.
    at::Tensor concatMask;
    at::Tensor concatLatent;
};

// A latent already noised to the start of a schedule (the Noise by Strength node): sampling
// continues from it without adding noise again.
struct NoisedStart {
    at::Tensor x;        // scaled latent space, noised to sigmas[0]
    at::Tensor sigmas;   // the remaining schedule
    at::Tensor noise;    // the seed noise (for noise-mask inpainting)
    at::Tensor latent0;  // the clean latent, scaled
};

struct KSamplerRequest {
    std::shared_ptr<const DiffusionModel> model;
    Conditioning positive, negative;
    at::Tensor latent;     // unscaled [B,4,h,w]
    at::Tensor noiseMask;  // optional, 1 = repaint, any size (resized to the latent)
    int64_t seed = 0;
    int steps = 20;
    double cfg = 8.0;
    std::string sampler = "euler";
    std::string scheduler = "normal";
    double denoise = 1.0;
    // KSamplerAdvanced
    bool addNoise = true;
    int startStep = 0;
    int endStep = 10000;
    bool forceFullDenoise = true;  // false = "return with leftover noise"
    std::optional<NoisedStart> start;
};

// Sigmas for a request (scheduler, denoise and advanced start/end steps applied).
at::Tensor requestSigmas(const KSamplerRequest& request);
// The sampler's starting point (README step 5) for a request: noise, sigmas and x.
NoisedStart prepareStart(const KSamplerRequest& request);
// Runs the request; returns the unscaled latent. Throws tessera::Cancelled when cancelled.
at::Tensor runKSampler(const KSamplerRequest& request, const SamplerCallbacks& callbacks = {});

}  // namespace tessera::engine
