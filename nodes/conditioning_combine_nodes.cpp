// Conditioning lists combined and changed, with ComfyUI's names, inputs and semantics (nodes.py):
// ConditioningCombine (both lists, averaged by the sampler), ConditioningConcat (the text of
// conditioning_from appended to every entry's tokens), ConditioningAverage (a weighted mix of the
// texts), ConditioningZeroOut (all-zero text).
#include "core/exec/node_context.h"
#include "core/engine/compute/shape_text.h"
#include "nodes/builtin_nodes.h"
#include "nodes/decl_helpers.h"
#include "nodes/values.h"

#include <ATen/ATen.h>

namespace tessera::nodes {
namespace {


const std::vector<engine::Conditioning>& entriesOf(const NodeContext& ctx, const std::string& input) {
    const auto& entries = ctx.get<ConditioningValue>(input)->entries;
    if (entries.empty()) ctx.fail("input '" + input + "' holds no conditioning");
    for (const auto& e : entries)
        if (!e.context.defined() || e.context.dim() != 3)
            ctx.fail("input '" + input + "' holds conditioning that is not [batch, tokens, width]");
    return entries;
}

NodeDecl conditioningCombine() {
    NodeDecl d = makeDecl("ConditioningCombine", "Conditioning (Combine)", "conditioning",
                          "Both conditionings together: the sampler evaluates each and averages them (by area, "
                          "mask and strength where they are set).");
    d.inputs = {port("conditioning_1", "CONDITIONING"), port("conditioning_2", "CONDITIONING")};
    d.outputs = {output("CONDITIONING", "CONDITIONING")};
    d.run = [](NodeContext& ctx) {
        std::vector<engine::Conditioning> out = entriesOf(ctx, "conditioning_1");
        const auto& more = entriesOf(ctx, "conditioning_2");
        out.insert(out.end(), more.begin(), more.end());
        return std::vector<Value>{std::make_shared<ConditioningValue>(std::move(out))};
    };
    return d;
}

NodeDecl conditioningConcat() {
    NodeDecl d = makeDecl("ConditioningConcat", "Conditioning (Concat)", "conditioning",
                          "Appends the tokens of conditioning_from (its first entry) to each entry of conditioning_to, "
                          "as if the prompts had been encoded one after the other.");
    d.inputs = {port("conditioning_to", "CONDITIONING"), port("conditioning_from", "CONDITIONING")};
    d.outputs = {output("CONDITIONING", "CONDITIONING")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor from = entriesOf(ctx, "conditioning_from").front().context;
        std::vector<engine::Conditioning> out = entriesOf(ctx, "conditioning_to");
        for (auto& e : out) {
            if (e.context.size(0) != from.size(0) || e.context.size(2) != from.size(2))
                ctx.fail("conditioning_to " + engine::shapeText(e.context.sizes()) + " and conditioning_from " + engine::shapeText(from.sizes()) +
                         " differ in batch or width (were they encoded by different text models?)");
            e.context = at::cat({e.context, from.to(e.context.scalar_type())}, 1);
        }
        return std::vector<Value>{std::make_shared<ConditioningValue>(std::move(out))};
    };
    return d;
}

NodeDecl conditioningAverage() {
    NodeDecl d = makeDecl("ConditioningAverage", "ConditioningAverage", "conditioning",
                          "conditioning_to * strength + conditioning_from * (1 - strength), token by token (the first "
                          "entry of conditioning_from, cut or padded with zeros to each entry's length).");
    d.inputs = {port("conditioning_to", "CONDITIONING"), port("conditioning_from", "CONDITIONING"),
                floatInput("conditioning_to_strength", 1.0, 0.0, 1.0)};
    d.outputs = {output("CONDITIONING", "CONDITIONING")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor from = entriesOf(ctx, "conditioning_from").front().context;
        const double s = ctx.getFloat("conditioning_to_strength");
        std::vector<engine::Conditioning> out = entriesOf(ctx, "conditioning_to");
        for (auto& e : out) {
            const at::Tensor& to = e.context;
            if (to.size(2) != from.size(2))
                ctx.fail("conditioning_to " + engine::shapeText(to.sizes()) + " and conditioning_from " + engine::shapeText(from.sizes()) +
                         " differ in width (were they encoded by different text models?)");
            at::Tensor t0 = from.slice(1, 0, to.size(1)).to(to.scalar_type());
            if (t0.size(1) < to.size(1))
                t0 = at::cat({t0, at::zeros({t0.size(0), to.size(1) - t0.size(1), to.size(2)}, to.options())}, 1);
            if (t0.size(0) != to.size(0) && t0.size(0) != 1 && to.size(0) != 1)
                ctx.fail("conditioning_to " + engine::shapeText(to.sizes()) + " and conditioning_from " + engine::shapeText(from.sizes()) +
                         " have different batches");
            e.context = to * s + t0 * (1.0 - s);
        }
        return std::vector<Value>{std::make_shared<ConditioningValue>(std::move(out))};
    };
    return d;
}

NodeDecl conditioningZeroOut() {
    NodeDecl d = makeDecl("ConditioningZeroOut", "ConditioningZeroOut", "advanced/conditioning",
                          "The same conditioning with its text replaced by zeros (an empty negative for some models).");
    d.inputs = {port("conditioning", "CONDITIONING")};
    d.outputs = {output("CONDITIONING", "CONDITIONING")};
    d.run = [](NodeContext& ctx) {
        std::vector<engine::Conditioning> out = entriesOf(ctx, "conditioning");
        for (auto& e : out) e.context = at::zeros_like(e.context);
        return std::vector<Value>{std::make_shared<ConditioningValue>(std::move(out))};
    };
    return d;
}

}  // namespace

void registerConditioningCombineNodes(Registry& registry) {
    registry.add(conditioningCombine());
    registry.add(conditioningConcat());
    registry.add(conditioningAverage());
    registry.add(conditioningZeroOut());
}

}  // namespace tessera::nodes
