// Latent transforms with ComfyUI's names, inputs and semantics (nodes.py, "latent/transform"):
// LatentFlip, LatentRotate, LatentCrop. Sizes and offsets are in pixels, 8 per latent cell.
#include "nodes/builtin_nodes.h"
#include "nodes/decl_helpers.h"
#include "nodes/latent_inputs.h"
#include "nodes/transform_choices.h"
#include "nodes/values.h"

#include <ATen/ATen.h>

#include <algorithm>

namespace tessera::nodes {
namespace {

NodeDecl latentFlip() {
    NodeDecl d = makeDecl("LatentFlip", "Flip Latent", "latent/transform",
                          "Mirrors the latent: x-axis flips it upside down, y-axis left to right.");
    d.inputs = {port("samples", "LATENT"), comboInput("flip_method", kFlipMethods)};
    d.outputs = {output("LATENT", "LATENT")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor s = latentInput(ctx, "samples");
        const std::string method = ctx.getString("flip_method");
        const at::Tensor out = flipsRows(method) ? s.flip({2}) : flipsColumns(method) ? s.flip({3}) : s;
        return std::vector<Value>{latentLike(*ctx.get<LatentValue>("samples"), out)};
    };
    return d;
}

NodeDecl latentRotate() {
    NodeDecl d = makeDecl("LatentRotate", "Rotate Latent", "latent/transform", "Rotates the latent clockwise.");
    d.inputs = {port("samples", "LATENT"), comboInput("rotation", kRotations)};
    d.outputs = {output("LATENT", "LATENT")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor s = latentInput(ctx, "samples");
        return std::vector<Value>{
            latentLike(*ctx.get<LatentValue>("samples"), at::rot90(s, quarterTurns(ctx.getString("rotation")), {3, 2}))};
    };
    return d;
}

NodeDecl latentCrop() {
    NodeDecl d = makeDecl("LatentCrop", "Crop Latent", "latent/transform",
                          "Cuts a width x height area at (x, y) out of the latent (in pixels; the corner is kept 64 "
                          "pixels from the far edges, the area is cut at the latent's edge).");
    d.inputs = {port("samples", "LATENT"), intInput("width", 512, 64, kMaxLatentResolution, 8),
                intInput("height", 512, 64, kMaxLatentResolution, 8), intInput("x", 0, 0, kMaxLatentResolution, 8),
                intInput("y", 0, 0, kMaxLatentResolution, 8)};
    d.outputs = {output("LATENT", "LATENT")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor s = latentInput(ctx, "samples");
        // ComfyUI keeps the corner at least 8 cells (64 pixels) from the far edges.
        int64_t x = ctx.getInt("x") / 8, y = ctx.getInt("y") / 8;
        x = std::max<int64_t>(0, std::min(x, s.size(3) - 8));
        y = std::max<int64_t>(0, std::min(y, s.size(2) - 8));
        const int64_t w = ctx.getInt("width") / 8, h = ctx.getInt("height") / 8;
        return std::vector<Value>{
            latentLike(*ctx.get<LatentValue>("samples"), s.slice(2, y, std::min(y + h, s.size(2))).slice(3, x, std::min(x + w, s.size(3))))};
    };
    return d;
}

}  // namespace

void registerLatentTransformNodes(Registry& registry) {
    registry.add(latentFlip());
    registry.add(latentRotate());
    registry.add(latentCrop());
}

}  // namespace tessera::nodes
