// Latent batches, with ComfyUI's names, inputs and semantics (nodes.py, comfy_extras/nodes_latent.py):
// RepeatLatentBatch, LatentFromBatch, LatentBatch. Noise masks follow the samples as in ComfyUI.
// ComfyUI's "batch_index" (which seed noise each latent gets when sampled) is not carried: a batch
// taken apart and sampled gets the noise of a fresh batch of its size.
#include "nodes/builtin_nodes.h"
#include "nodes/composite.h"
#include "nodes/decl_helpers.h"
#include "nodes/image_resize.h"
#include "nodes/latent_inputs.h"
#include "nodes/memory_estimates.h"
#include "nodes/values.h"

#include <ATen/ATen.h>

#include <algorithm>

namespace tessera::nodes {
namespace {

at::Tensor repeatBatch(const at::Tensor& t, int64_t times) {
    std::vector<int64_t> reps(size_t(t.dim()), 1);
    reps[0] = times;
    return t.repeat(reps);
}

NodeDecl repeatLatentBatch() {
    NodeDecl d = makeDecl("RepeatLatentBatch", "Repeat Latent Batch", "latent/batch",
                          "Repeats the whole batch `amount` times (for variations of one image).");
    d.inputs = {port("samples", "LATENT"), intInput("amount", 1, 1, 64)};
    d.outputs = {output("LATENT", "LATENT")};
    d.run = [](NodeContext& ctx) {
        auto in = ctx.get<LatentValue>("samples");
        const int64_t amount = ctx.getInt("amount");
        const at::Tensor s = latentInput(ctx, "samples");
        requireNodeMemory(ctx, float32Bytes(s.size(0) * amount, s.size(1), s.size(2), s.size(3)),
                          "a " + dimsText(s.size(0) * amount, s.size(1), s.size(2), s.size(3)) + " latent");
        auto out = std::make_shared<LatentValue>(repeatBatch(latentInput(ctx, "samples"), amount));
        out->noiseMask = in->noiseMask;
        if (in->noiseMask.defined() && in->noiseMask.size(0) > 1) out->noiseMask = repeatBatch(in->noiseMask, amount);
        return std::vector<Value>{out};
    };
    return d;
}

NodeDecl latentFromBatch() {
    NodeDecl d = makeDecl("LatentFromBatch", "Latent From Batch", "latent/batch",
                          "Takes `length` latents from the batch, starting at `batch_index` (both cut to the batch).");
    d.inputs = {port("samples", "LATENT"), intInput("batch_index", 0, 0, 63), intInput("length", 1, 1, 64)};
    d.outputs = {output("LATENT", "LATENT")};
    d.run = [](NodeContext& ctx) {
        auto in = ctx.get<LatentValue>("samples");
        const at::Tensor s = latentInput(ctx, "samples");
        const int64_t batch = s.size(0);
        const int64_t index = std::min(batch - 1, ctx.getInt("batch_index"));
        const int64_t length = std::min(batch - index, ctx.getInt("length"));
        auto out = std::make_shared<LatentValue>(s.slice(0, index, index + length).clone());
        if (at::Tensor m = in->noiseMask; m.defined()) {
            if (m.size(0) == 1) {
                out->noiseMask = m.clone();
            } else {
                if (m.size(0) < batch) m = repeatToBatch(m, batch);
                out->noiseMask = m.slice(0, index, index + length).clone();
            }
        }
        return std::vector<Value>{out};
    };
    return d;
}

NodeDecl latentBatch() {
    NodeDecl d = makeDecl("LatentBatch", "Latent Batch", "latent/batch",
                          "Appends samples2's batch to samples1's; samples2 is first resized (bilinear, centre crop) "
                          "when its size differs.");
    d.inputs = {port("samples1", "LATENT"), port("samples2", "LATENT")};
    d.outputs = {output("LATENT", "LATENT")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor s1 = latentInput(ctx, "samples1");
        at::Tensor s2 = latentInput(ctx, "samples2");
        if (s1.size(1) != s2.size(1))
            ctx.fail("samples1 has " + std::to_string(s1.size(1)) + " channels and samples2 " + std::to_string(s2.size(1)) +
                     "; latents of different models cannot share a batch");
        if (s2.sizes().slice(1) != s1.sizes().slice(1)) s2 = commonUpscale(s2, s1.size(3), s1.size(2), "bilinear", "center");
        auto out = std::make_shared<LatentValue>(at::cat({s1, s2.to(s1.scalar_type())}));
        out->noiseMask = ctx.get<LatentValue>("samples1")->noiseMask;  // ComfyUI keeps samples1's
        return std::vector<Value>{out};
    };
    return d;
}

}  // namespace

void registerLatentBatchNodes(Registry& registry) {
    registry.add(repeatLatentBatch());
    registry.add(latentFromBatch());
    registry.add(latentBatch());
}

}  // namespace tessera::nodes
