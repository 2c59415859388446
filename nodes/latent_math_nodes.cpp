// Latent arithmetic with ComfyUI's names, inputs and semantics (comfy_extras/nodes_latent.py, "latent/advanced"):
// LatentAdd, LatentSubtract, LatentMultiply, LatentInterpolate. The result keeps the first latent's noise mask
// and batch indices, as ComfyUI copies samples1's dict.
#include "nodes/builtin_nodes.h"
#include "nodes/composite.h"
#include "nodes/decl_helpers.h"
#include "nodes/latent_inputs.h"
#include "nodes/values.h"

#include <ATen/ATen.h>

#include <functional>

namespace tessera::nodes {
namespace {


using LatentPair = std::function<at::Tensor(const NodeContext&, const at::Tensor&, const at::Tensor&)>;

NodeDecl twoLatentNode(const std::string& type, const std::string& description, std::vector<InputDecl> widgets,
                       LatentPair combine) {
    NodeDecl d = makeDecl(type, type, "latent/advanced", description);
    d.inputs = {port("samples1", "LATENT"), port("samples2", "LATENT")};
    d.inputs.insert(d.inputs.end(), widgets.begin(), widgets.end());
    d.outputs = {output("LATENT", "LATENT")};
    d.run = [combine](NodeContext& ctx) {
        const at::Tensor s1 = latentInput(ctx, "samples1");
        // ComfyUI's reshape_latent_to: resized to samples1, its batch repeated or cut to samples1's.
        const at::Tensor s2 = repeatToBatch(latentResizedTo(ctx, "samples2", s1, "samples1"), s1.size(0));
        return std::vector<Value>{latentLike(*ctx.get<LatentValue>("samples1"), combine(ctx, s1, s2))};
    };
    return d;
}

constexpr const char* kResizedNote = " samples2 is first resized to samples1 (bilinear, centre crop) and its batch "
                                     "repeated to samples1's.";

// Per cell, the direction and length of the channel vector: ComfyUI normalizes over the channels.
at::Tensor interpolateDirections(const at::Tensor& s1, const at::Tensor& s2, double ratio) {
    const at::Tensor m1 = at::linalg_vector_norm(s1, 2, {1}, /*keepdim=*/true);
    const at::Tensor m2 = at::linalg_vector_norm(s2, 2, {1}, /*keepdim=*/true);
    const at::Tensor t = at::nan_to_num(s1 / m1) * ratio + at::nan_to_num(s2 / m2) * (1.0 - ratio);
    const at::Tensor mt = at::linalg_vector_norm(t, 2, {1}, /*keepdim=*/true);
    return at::nan_to_num(t / mt) * (m1 * ratio + m2 * (1.0 - ratio));
}

NodeDecl latentMultiply() {
    NodeDecl d = makeDecl("LatentMultiply", "LatentMultiply", "latent/advanced", "samples * multiplier.");
    d.inputs = {port("samples", "LATENT"), floatInput("multiplier", 1.0, -10.0, 10.0, 0.01)};
    d.outputs = {output("LATENT", "LATENT")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor s = latentInput(ctx, "samples");
        return std::vector<Value>{latentLike(*ctx.get<LatentValue>("samples"), s * static_cast<float>(ctx.getFloat("multiplier")))};
    };
    return d;
}

}  // namespace

void registerLatentMathNodes(Registry& registry) {
    registry.add(twoLatentNode("LatentAdd", std::string("samples1 + samples2.") + kResizedNote, {},
                               [](const NodeContext&, const at::Tensor& a, const at::Tensor& b) { return a + b; }));
    registry.add(twoLatentNode("LatentSubtract", std::string("samples1 - samples2.") + kResizedNote, {},
                               [](const NodeContext&, const at::Tensor& a, const at::Tensor& b) { return a - b; }));
    registry.add(latentMultiply());
    // ComfyUI's norms drop the channel axis, which fails for batches above one (and pairs batch entries with
    // channels for a batch of 4); here every batch entry is interpolated on its own, the same for a batch of one.
    registry.add(twoLatentNode(
        "LatentInterpolate",
        std::string("Per latent cell, blends the directions of the two channel vectors by ratio (1 = samples1) and "
                    "their lengths likewise.") +
            kResizedNote,
        {floatInput("ratio", 1.0, 0.0, 1.0, 0.01)},
        [](const NodeContext& ctx, const at::Tensor& a, const at::Tensor& b) {
            return interpolateDirections(a, b, ctx.getFloat("ratio"));
        }));
}

}  // namespace tessera::nodes
