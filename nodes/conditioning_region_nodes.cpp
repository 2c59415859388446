// Where and when conditioning applies, with ComfyUI's names, inputs and semantics (nodes.py):
// ConditioningSetArea (pixels, 8 per latent cell), ConditioningSetAreaPercentage (fractions),
// ConditioningSetAreaStrength, ConditioningSetMask, ConditioningSetTimestepRange. The sampler
// (core/engine/regional_cfg) evaluates each entry over its region and averages them.
#include "nodes/builtin_nodes.h"
#include "nodes/decl_helpers.h"
#include "nodes/image_node_support.h"
#include "nodes/values.h"

#include <ATen/ATen.h>

#include <functional>

namespace tessera::nodes {
namespace {

constexpr int64_t kMaxLatentResolution = 16384;

// Every entry of `conditioning`, changed by `set`.
std::vector<Value> withEach(const NodeContext& ctx, const std::function<void(engine::Conditioning&)>& set) {
    std::vector<engine::Conditioning> out = ctx.get<ConditioningValue>("conditioning")->entries;
    if (out.empty()) ctx.fail("input 'conditioning' holds no conditioning");
    for (auto& e : out) set(e);
    return {std::make_shared<ConditioningValue>(std::move(out))};
}

// ConditioningSetArea and its Percentage twin: every entry gets the area and the strength input.
std::vector<Value> withArea(const NodeContext& ctx, const engine::ConditioningArea& area) {
    const double strength = ctx.getFloat("strength");
    return withEach(ctx, [&](engine::Conditioning& c) {
        c.area = area;
        c.strength = strength;
        c.setAreaToBounds = false;
    });
}

NodeDecl conditioningSetArea() {
    NodeDecl d = makeDecl("ConditioningSetArea", "Conditioning (Set Area)", "conditioning",
                          "The conditioning applies to a width x height area at (x, y) (pixels, rounded down to latent "
                          "cells) with weight strength; its inner edges fade over up to 8 cells.");
    d.inputs = {port("conditioning", "CONDITIONING"),
                intInput("width", 64, 64, kMaxLatentResolution, 8),
                intInput("height", 64, 64, kMaxLatentResolution, 8),
                intInput("x", 0, 0, kMaxLatentResolution, 8),
                intInput("y", 0, 0, kMaxLatentResolution, 8),
                floatInput("strength", 1.0, 0.0, 10.0)};
    d.outputs = {output("CONDITIONING", "CONDITIONING")};
    d.run = [](NodeContext& ctx) {
        const engine::ConditioningArea area{false, double(ctx.getInt("height") / 8), double(ctx.getInt("width") / 8),
                                            double(ctx.getInt("y") / 8), double(ctx.getInt("x") / 8)};
        return withArea(ctx, area);
    };
    return d;
}

NodeDecl conditioningSetAreaPercentage() {
    NodeDecl d = makeDecl("ConditioningSetAreaPercentage", "Conditioning (Set Area with Percentage)", "conditioning",
                          "ConditioningSetArea with the area as fractions of the latent's size.");
    d.inputs = {port("conditioning", "CONDITIONING"),
                floatInput("width", 1.0, 0.0, 1.0),
                floatInput("height", 1.0, 0.0, 1.0),
                floatInput("x", 0.0, 0.0, 1.0),
                floatInput("y", 0.0, 0.0, 1.0),
                floatInput("strength", 1.0, 0.0, 10.0)};
    d.outputs = {output("CONDITIONING", "CONDITIONING")};
    d.run = [](NodeContext& ctx) {
        const engine::ConditioningArea area{true, ctx.getFloat("height"), ctx.getFloat("width"), ctx.getFloat("y"),
                                            ctx.getFloat("x")};
        return withArea(ctx, area);
    };
    return d;
}

NodeDecl conditioningSetAreaStrength() {
    NodeDecl d = makeDecl("ConditioningSetAreaStrength", "ConditioningSetAreaStrength", "conditioning",
                          "Sets the weight the conditioning gets when the sampler averages it with others.");
    d.inputs = {port("conditioning", "CONDITIONING"), floatInput("strength", 1.0, 0.0, 10.0)};
    d.outputs = {output("CONDITIONING", "CONDITIONING")};
    d.run = [](NodeContext& ctx) {
        const double strength = ctx.getFloat("strength");
        return withEach(ctx, [&](engine::Conditioning& c) { c.strength = strength; });
    };
    return d;
}

NodeDecl conditioningSetMask() {
    NodeDecl d = makeDecl("ConditioningSetMask", "Conditioning (Set Mask)", "conditioning",
                          "The conditioning applies where the mask is, weighted by it times strength; \"mask bounds\" "
                          "evaluates the model only over the mask's bounding box.");
    d.inputs = {port("conditioning", "CONDITIONING"), port("mask", "MASK"), floatInput("strength", 1.0, 0.0, 10.0),
                comboInput("set_cond_area", {"default", "mask bounds"})};
    d.outputs = {output("CONDITIONING", "CONDITIONING")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor mask = maskInput(ctx, "mask");
        const double strength = ctx.getFloat("strength");
        const bool bounds = ctx.getString("set_cond_area") != "default";
        return withEach(ctx, [&](engine::Conditioning& c) {
            c.mask = mask;
            c.maskStrength = strength;
            c.setAreaToBounds = bounds;
        });
    };
    return d;
}

NodeDecl conditioningSetTimestepRange() {
    NodeDecl d = makeDecl("ConditioningSetTimestepRange", "ConditioningSetTimestepRange", "advanced/conditioning",
                          "The conditioning applies only from start to end of the schedule (0 = the first, noisiest "
                          "step, 1 = the end); combine several to change the prompt during sampling.");
    d.inputs = {port("conditioning", "CONDITIONING"), floatInput("start", 0.0, 0.0, 1.0, 0.001),
                floatInput("end", 1.0, 0.0, 1.0, 0.001)};
    d.outputs = {output("CONDITIONING", "CONDITIONING")};
    d.run = [](NodeContext& ctx) {
        const double start = ctx.getFloat("start"), end = ctx.getFloat("end");
        return withEach(ctx, [&](engine::Conditioning& c) {
            c.startPercent = start;
            c.endPercent = end;
        });
    };
    return d;
}

}  // namespace

void registerConditioningRegionNodes(Registry& registry) {
    registry.add(conditioningSetArea());
    registry.add(conditioningSetAreaPercentage());
    registry.add(conditioningSetAreaStrength());
    registry.add(conditioningSetMask());
    registry.add(conditioningSetTimestepRange());
}

}  // namespace tessera::nodes
