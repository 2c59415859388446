#include "nodes/sampling_feedback.h"

#include "core/engine/files/checkpoint.h"
#include "core/engine/networks/unet.h"
#include "nodes/engine_inputs.h"
#include "nodes/memory_estimates.h"
#include "nodes/model_cache.h"
#include "nodes/sampler_preview.h"

namespace tessera::nodes {

void requireSamplingMemory(const NodeContext& ctx, const engine::DiffusionModel& model, const at::Tensor& z, int guided) {
    const engine::Placement place = placementFor(ctx.env());
    // The UNet's activations live on its device: a GPU's memory is checked by CUDA itself (reported as out of memory).
    const int64_t elementBytes = place.device.is_cpu() ? int64_t(c10::elementSize(place.dtype)) : 0;
    const int64_t modelBatch = z.size(0) * guided;
    requireNodeMemory(ctx,
                      samplingBytes(model.unet->config(), modelBatch, z.size(0), z.size(1), z.size(2), z.size(3), elementBytes),
                      "sampling a " + dimsText(z.size(0), z.size(1), z.size(2), z.size(3)) + " latent (" +
                          std::to_string(z.size(3) * 8) + "x" + std::to_string(z.size(2) * 8) + " pixels)");
}

SamplingFeedback::SamplingFeedback(const NodeContext& ctx) : lastDenoised_(std::make_shared<at::Tensor>()) {
    callbacks_.cancel = &ctx.cancel();
    callbacks_.onStep = [&ctx, previewer = choosePreviewer(ctx.env()), last = lastDenoised_](
                            int step, int total, const at::Tensor&, const at::Tensor& denoised) {
        *last = denoised;
        ctx.progress(step + 1, total);
        if (previewer)
            if (auto image = previewer(denoised)) ctx.preview(std::move(image));
    };
}

}  // namespace tessera::nodes
