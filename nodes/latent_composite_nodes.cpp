// Latent compositing with ComfyUI's names, inputs and semantics (nodes.py, comfy_extras/nodes_mask.py):
// LatentComposite (with a feathered edge), LatentCompositeMasked, LatentBlend. Positions are in
// pixels, 8 per latent cell; the result keeps the destination's noise mask.
#include "nodes/builtin_nodes.h"
#include "nodes/composite.h"
#include "nodes/decl_helpers.h"
#include "nodes/image_node_support.h"
#include "nodes/image_resize.h"
#include "nodes/latent_inputs.h"
#include "nodes/values.h"

#include <ATen/ATen.h>

#include <algorithm>

namespace tessera::nodes {
namespace {

NodeDecl latentComposite() {
    NodeDecl d = makeDecl("LatentComposite", "Latent Composite", "latent",
                          "Pastes samples_from into samples_to at (x, y); feather fades its inner edges over that "
                          "many pixels where they lie inside samples_to.");
    d.inputs = {port("samples_to", "LATENT"), port("samples_from", "LATENT"),
                intInput("x", 0, 0, kMaxLatentResolution, 8), intInput("y", 0, 0, kMaxLatentResolution, 8),
                intInput("feather", 0, 0, kMaxLatentResolution, 8)};
    d.outputs = {output("LATENT", "LATENT")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor to = latentInput(ctx, "samples_to");
        at::Tensor from = latentInput(ctx, "samples_from");
        const int64_t x = ctx.getInt("x") / 8, y = ctx.getInt("y") / 8, feather = ctx.getInt("feather") / 8;
        if (x >= to.size(3) || y >= to.size(2))
            ctx.fail("(x, y) = (" + std::to_string(x * 8) + ", " + std::to_string(y * 8) + ") lies outside samples_to (" +
                     std::to_string(to.size(3) * 8) + "x" + std::to_string(to.size(2) * 8) + " pixels)");
        if (from.size(1) != to.size(1)) ctx.fail("samples_to and samples_from have different channel counts");
        if (from.size(0) != to.size(0) && from.size(0) != 1)
            ctx.fail("samples_from has a batch of " + std::to_string(from.size(0)) + " but samples_to one of " +
                     std::to_string(to.size(0)) + "; give samples_from the same batch or a batch of 1");
        from = from.slice(2, 0, to.size(2) - y).slice(3, 0, to.size(3) - x).to(to.scalar_type());
        const int64_t h = from.size(2), w = from.size(3);
        at::Tensor out = to.clone();
        at::Tensor region = out.slice(2, y, y + h).slice(3, x, x + w);
        if (feather == 0) {
            region.copy_(from.expand_as(region));
        } else {
            at::Tensor mask = at::ones_like(from);
            for (int64_t t = 0; t < feather; ++t) {
                const double f = (1.0 / double(feather)) * double(t + 1);
                if (y != 0) mask.slice(2, t, t + 1).mul_(f);
                if (y + h < to.size(2)) mask.slice(2, h - 1 - t, h - t).mul_(f);
                if (x != 0) mask.slice(3, t, t + 1).mul_(f);
                if (x + w < to.size(3)) mask.slice(3, w - 1 - t, w - t).mul_(f);
            }
            region.copy_(from * mask + region * (1.0 - mask));
        }
        return std::vector<Value>{latentLike(*ctx.get<LatentValue>("samples_to"), out)};
    };
    return d;
}

NodeDecl latentCompositeMasked() {
    NodeDecl d = makeDecl("LatentCompositeMasked", "LatentCompositeMasked", "latent",
                          "Pastes source into destination at (x, y) through the mask (all of it without one), "
                          "optionally resizing source to destination first.");
    d.inputs = {port("destination", "LATENT"), port("source", "LATENT"),
                intInput("x", 0, 0, kMaxLatentResolution, 8), intInput("y", 0, 0, kMaxLatentResolution, 8),
                boolInput("resize_source", false), port("mask", "MASK", true)};
    d.outputs = {output("LATENT", "LATENT")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor destination = latentInput(ctx, "destination");
        const at::Tensor source = latentInput(ctx, "source");
        if (source.size(1) != destination.size(1)) ctx.fail("destination and source have different channel counts");
        const at::Tensor mask = ctx.has("mask") ? maskInput(ctx, "mask") : at::Tensor();
        const at::Tensor out =
            compositeInto(destination, source, ctx.getInt("x"), ctx.getInt("y"), mask, 8, ctx.getBool("resize_source"));
        return std::vector<Value>{latentLike(*ctx.get<LatentValue>("destination"), out)};
    };
    return d;
}

NodeDecl latentBlend() {
    NodeDecl d = makeDecl("LatentBlend", "Latent Blend", "_for_testing",
                          "samples1 * blend_factor + samples2 * (1 - blend_factor); samples2 is first resized "
                          "(bicubic, centre crop) when its size differs.");
    d.inputs = {port("samples1", "LATENT"), port("samples2", "LATENT"), floatInput("blend_factor", 0.5, 0.0, 1.0)};
    d.outputs = {output("LATENT", "LATENT")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor s1 = latentInput(ctx, "samples1");
        at::Tensor s2 = latentInput(ctx, "samples2");
        if (s1.size(1) != s2.size(1)) ctx.fail("samples1 and samples2 have different channel counts");
        checkBatchesCombine(ctx, s1.size(0), "samples1", s2.size(0), "samples2");
        if (s2.sizes().slice(2) != s1.sizes().slice(2)) s2 = commonUpscale(s2, s1.size(3), s1.size(2), "bicubic", "center");
        const double f = ctx.getFloat("blend_factor");
        return std::vector<Value>{latentLike(*ctx.get<LatentValue>("samples1"), s1 * f + s2.to(s1.scalar_type()) * (1.0 - f))};
    };
    return d;
}

}  // namespace

void registerLatentCompositeNodes(Registry& registry) {
    registry.add(latentComposite());
    registry.add(latentCompositeMasked());
    registry.add(latentBlend());
}

}  // namespace tessera::nodes
