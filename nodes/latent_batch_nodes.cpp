// Latent batches, with ComfyUI's names, inputs and semantics (nodes.py, comfy_extras/nodes_latent.py):
// RepeatLatentBatch, LatentFromBatch, LatentBatch, LatentBatchSeedBehavior. Noise masks follow the samples as in
// ComfyUI, and so do batch indices (which seed noise each entry gets when sampled): a latent taken from a batch
// and sampled with the batch's seed gets the noise it had in the batch.
#include "nodes/builtin_nodes.h"
#include "nodes/composite.h"
#include "nodes/decl_helpers.h"
#include "nodes/latent_inputs.h"
#include "nodes/memory_estimates.h"
#include "nodes/values.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <numeric>

namespace tessera::nodes {
namespace {

// The batch indices of the latent on `name`, 0..B-1 where it has none.
std::vector<int64_t> batchIndices(const NodeContext& ctx, const std::string& name) {
    const auto latent = ctx.get<LatentValue>(name);
    const int64_t batch = latentInput(ctx, name).size(0);
    if (!latent->batchIndex.empty()) {
        if (static_cast<int64_t>(latent->batchIndex.size()) != batch)
            ctx.fail("input '" + name + "' lists " + std::to_string(latent->batchIndex.size()) +
                     " batch indices for a batch of " + std::to_string(batch));
        return latent->batchIndex;
    }
    std::vector<int64_t> indices(static_cast<size_t>(batch));
    std::iota(indices.begin(), indices.end(), int64_t(0));
    return indices;
}

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
        auto out = latentLike(*in, repeatBatch(s, amount));
        if (in->noiseMask.defined() && in->noiseMask.size(0) > 1) out->noiseMask = repeatBatch(in->noiseMask, amount);
        if (!in->batchIndex.empty()) {
            // Each copy continues after the indices before it, as ComfyUI numbers them.
            const std::vector<int64_t> indices = batchIndices(ctx, "samples");
            out->batchIndex = indices;
            const auto [low, high] = std::minmax_element(indices.begin(), indices.end());
            const int64_t offset = *high - *low + 1;
            for (int64_t copy = 1; copy < amount; ++copy)
                for (size_t i = 0; i < indices.size(); ++i) out->batchIndex.push_back(indices[i] + copy * offset);
        }
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
        const std::vector<int64_t> indices = batchIndices(ctx, "samples");
        out->batchIndex = {indices.begin() + index, indices.begin() + index + length};
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
        const at::Tensor s2 = latentResizedTo(ctx, "samples2", s1, "samples1");
        auto out = latentLike(*ctx.get<LatentValue>("samples1"), at::cat({s1, s2}));  // ComfyUI keeps samples1's noise mask
        // Each side keeps its own indices, so two single latents both get the seed's first noise, as in ComfyUI.
        const std::vector<int64_t> second = batchIndices(ctx, "samples2");
        out->batchIndex = batchIndices(ctx, "samples1");
        out->batchIndex.insert(out->batchIndex.end(), second.begin(), second.end());
        return std::vector<Value>{out};
    };
    return d;
}

NodeDecl latentBatchSeedBehavior() {
    NodeDecl d = makeDecl("LatentBatchSeedBehavior", "LatentBatchSeedBehavior", "latent/advanced",
                          "fixed: every latent of the batch gets the same seed noise (the first one's); random: each "
                          "gets its own, as a fresh batch does.");
    d.inputs = {port("samples", "LATENT"), comboInput("seed_behavior", {"random", "fixed"}, "fixed")};
    d.outputs = {output("LATENT", "LATENT")};
    d.run = [](NodeContext& ctx) {
        const auto in = ctx.get<LatentValue>("samples");
        auto out = latentLike(*in, latentInput(ctx, "samples"));
        if (ctx.getString("seed_behavior") == "random") {
            out->batchIndex.clear();
        } else {
            const int64_t first = in->batchIndex.empty() ? 0 : in->batchIndex.front();
            out->batchIndex.assign(size_t(out->samples.size(0)), first);
        }
        return std::vector<Value>{out};
    };
    return d;
}

}  // namespace

void registerLatentBatchNodes(Registry& registry) {
    registry.add(repeatLatentBatch());
    registry.add(latentFromBatch());
    registry.add(latentBatch());
    registry.add(latentBatchSeedBehavior());
}

}  // namespace tessera::nodes
