#pragma once
// What every sampler node shares (KSampler, KSamplerAdvanced, SamplerCustom, SamplerCustomAdvanced):
// the memory check before a run, and per-step progress, previews, cancellation and the last x0
// estimate during it.
#include "core/engine/sampling/samplers.h"
#include "core/exec/node_context.h"

#include <ATen/core/Tensor.h>

#include <memory>

namespace tessera::engine {
struct DiffusionModel;
}

namespace tessera::nodes {

// Fails the node when sampling `latent` (unscaled [B,C,h,w]) with `model` cannot fit in memory;
// `guided` counts the model evaluations per step batched together (2 with CFG, 1 without).
void requireSamplingMemory(const NodeContext& ctx, const engine::DiffusionModel& model, const at::Tensor& latent,
                           int guided);

// Sampler callbacks reporting to the node: progress (step+1 of total) and a preview every step,
// the run's cancel flag. The last step's x0 estimate (sampler space) stays in lastDenoised().
class SamplingFeedback {
public:
    explicit SamplingFeedback(const NodeContext& ctx);
    const engine::SamplerCallbacks& callbacks() const { return callbacks_; }
    // Undefined until the first step reported.
    const at::Tensor& lastDenoised() const { return *lastDenoised_; }

private:
    std::shared_ptr<at::Tensor> lastDenoised_;
    engine::SamplerCallbacks callbacks_;
};

}  // namespace tessera::nodes
