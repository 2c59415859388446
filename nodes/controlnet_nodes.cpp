// ControlNetApplyAdvanced adds a ControlNet with its hint image to both sides of the guidance;
// ControlNetApply (older) to one conditioning, shared with the negative side when sampling.
// Inputs and their order follow ComfyUI's nodes.py.
#include "core/engine/sampling/ksampler.h"
#include "nodes/builtin_nodes.h"
#include "nodes/decl_helpers.h"
#include "nodes/engine_inputs.h"
#include "nodes/values.h"

#include <ATen/ATen.h>

namespace tessera::nodes {
namespace {

NodeDecl controlNetApplyAdvanced() {
    NodeDecl d = makeDecl("ControlNetApplyAdvanced", "Apply ControlNet", "conditioning/controlnet",
                          "Guides sampling with a ControlNet and its hint image (edges, depth, ...) between start_percent "
                          "and end_percent of the schedule. The optional vae is for ControlNets that need one; "
                          "SD1.x/SD2.x ControlNets do not.");
    d.inputs = {port("positive", "CONDITIONING"),
                port("negative", "CONDITIONING"),
                port("control_net", "CONTROL_NET"),
                port("image", "IMAGE"),
                floatInput("strength", 1.0, 0.0, 10.0),
                floatInput("start_percent", 0.0, 0.0, 1.0, 0.001),
                floatInput("end_percent", 1.0, 0.0, 1.0, 0.001),
                port("vae", "VAE", true)};
    d.outputs = {output("positive", "CONDITIONING"), output("negative", "CONDITIONING")};
    d.run = [](NodeContext& ctx) {
        auto positive = ctx.get<ConditioningValue>("positive");
        auto negative = ctx.get<ConditioningValue>("negative");
        auto net = ctx.get<ControlNetValue>("control_net")->net;
        if (!net) ctx.fail("input 'control_net' holds no ControlNet");
        const at::Tensor hint = imageInput(ctx, "image").permute({0, 3, 1, 2}).contiguous();
        const double strength = ctx.getFloat("strength");
        const double start = ctx.getFloat("start_percent"), end = ctx.getFloat("end_percent");
        if (strength == 0.0) return std::vector<Value>{positive, negative};

        engine::ControlApplication control{net, hint, strength, start, end};
        std::vector<Value> out;
        for (const auto& side : {positive, negative}) {
            std::vector<engine::Conditioning> entries = side->entries;
            for (auto& c : entries) c.controls.push_back(control);
            out.push_back(std::make_shared<ConditioningValue>(std::move(entries)));
        }
        return out;
    };
    return d;
}

// ComfyUI's older, deprecated but widespread node: one conditioning, the whole schedule; the sampler
// gives the negative side the same ControlNets (control_apply_to_uncond).
NodeDecl controlNetApply() {
    NodeDecl d = makeDecl("ControlNetApply", "Apply ControlNet (OLD)", "conditioning/controlnet",
                          "Guides sampling with a ControlNet and its hint image over the whole schedule; the negative "
                          "conditioning gets the same ControlNet when sampling. Apply ControlNet (with positive and "
                          "negative, start and end) replaces it.");
    d.inputs = {port("conditioning", "CONDITIONING"), port("control_net", "CONTROL_NET"), port("image", "IMAGE"),
                floatInput("strength", 1.0, 0.0, 10.0)};
    d.outputs = {output("CONDITIONING", "CONDITIONING")};
    d.run = [](NodeContext& ctx) {
        auto conditioning = ctx.get<ConditioningValue>("conditioning");
        auto net = ctx.get<ControlNetValue>("control_net")->net;
        if (!net) ctx.fail("input 'control_net' holds no ControlNet");
        const at::Tensor hint = imageInput(ctx, "image").permute({0, 3, 1, 2}).contiguous();
        const double strength = ctx.getFloat("strength");
        if (strength == 0.0) return std::vector<Value>{conditioning};
        std::vector<engine::Conditioning> entries = conditioning->entries;
        for (auto& c : entries) {
            c.controls.push_back(engine::ControlApplication{net, hint, strength, 0.0, 1.0});
            c.controlApplyToUncond = true;
        }
        return std::vector<Value>{std::make_shared<ConditioningValue>(std::move(entries))};
    };
    return d;
}

}  // namespace

void registerControlNetNodes(Registry& registry) {
    registry.add(controlNetApplyAdvanced());
    registry.add(controlNetApply());
}

}  // namespace tessera::nodes
