// ModelMergeSimple, ModelMergeAdd, ModelMergeSubtract, ModelMergeBlocks and CLIPMergeSimple,
// CLIPMergeAdd, CLIPMergeSubtract, with ComfyUI's inputs (comfy_extras/nodes_model_merging.py).
// The merging itself is core/engine/model_merge; the outputs are copies, the inputs stay as they are.
#include "core/engine/files/checkpoint.h"
#include "core/engine/patches/model_merge.h"
#include "core/engine/text/text_encoder.h"
#include "core/exec/node_context.h"
#include "nodes/builtin_nodes.h"
#include "nodes/decl_helpers.h"
#include "nodes/memory_estimates.h"
#include "nodes/values.h"

namespace tessera::nodes {
namespace {

const char* kMergeCategory = "advanced/model_merging";

// The merge rule, read from the node's widgets.
using RuleFromInputs = engine::MergeRule (*)(const NodeContext&);

NodeDecl modelMergeNode(const std::string& type, const std::string& title, const std::string& description,
                        std::vector<InputDecl> widgets, RuleFromInputs rule) {
    NodeDecl d = makeDecl(type, title, kMergeCategory, description);
    d.inputs = {port("model1", "MODEL"), port("model2", "MODEL")};
    for (auto& w : widgets) d.inputs.push_back(std::move(w));
    d.outputs = {output("MODEL", "MODEL")};
    d.run = [rule](NodeContext& ctx) {
        auto first = ctx.get<ModelValue>("model1");
        auto second = ctx.get<ModelValue>("model2");
        requireNodeMemory(ctx, first->model->weights.byteSize(), "the merged model's weights");
        return std::vector<Value>{std::make_shared<ModelValue>(engine::mergeDiffusionModels(first->model, second->model, rule(ctx)))};
    };
    return d;
}

NodeDecl clipMergeNode(const std::string& type, const std::string& title, const std::string& description,
                       std::vector<InputDecl> widgets, RuleFromInputs rule) {
    NodeDecl d = makeDecl(type, title, kMergeCategory, description);
    d.inputs = {port("clip1", "CLIP"), port("clip2", "CLIP")};
    for (auto& w : widgets) d.inputs.push_back(std::move(w));
    d.outputs = {output("CLIP", "CLIP")};
    d.run = [rule](NodeContext& ctx) {
        auto first = ctx.get<ClipValue>("clip1");
        auto second = ctx.get<ClipValue>("clip2");
        requireNodeMemory(ctx, first->encoder->model().weights().byteSize(), "the merged text encoder's weights");
        return std::vector<Value>{std::make_shared<ClipValue>(engine::mergeTextEncoders(first->encoder, second->encoder, rule(ctx)))};
    };
    return d;
}

InputDecl ratioInput(const std::string& name) { return floatInput(name, 1.0, 0.0, 1.0); }
InputDecl multiplierInput() { return floatInput("multiplier", 1.0, -10.0, 10.0); }

}  // namespace

void registerModelMergeNodes(Registry& registry) {
    registry.add(modelMergeNode(
        "ModelMergeSimple", "ModelMergeSimple",
        "ratio * model1 + (1 - ratio) * model2, weight by weight (ratio 1 gives model1).", {ratioInput("ratio")},
        [](const NodeContext& ctx) { return engine::uniformMergeRule(engine::mergeRatio(ctx.getFloat("ratio"))); }));
    registry.add(modelMergeNode("ModelMergeAdd", "ModelMergeAdd", "model1 + model2, weight by weight.", {},
                                [](const NodeContext&) { return engine::uniformMergeRule(engine::mergeAddition()); }));
    registry.add(modelMergeNode(
        "ModelMergeSubtract", "ModelMergeSubtract",
        "(model1 - model2) * multiplier, weight by weight: the difference a fine-tune made, to add to another model.",
        {multiplierInput()},
        [](const NodeContext& ctx) { return engine::uniformMergeRule(engine::mergeSubtraction(ctx.getFloat("multiplier"))); }));
    registry.add(modelMergeNode(
        "ModelMergeBlocks", "ModelMergeBlocks",
        "Like ModelMergeSimple with one ratio for the input blocks (and the time embedding), one for the middle "
        "block and one for the output blocks.",
        {ratioInput("input"), ratioInput("middle"), ratioInput("out")}, [](const NodeContext& ctx) {
            return engine::blockMergeRule(ctx.getFloat("input"), ctx.getFloat("middle"), ctx.getFloat("out"));
        }));
    registry.add(clipMergeNode(
        "CLIPMergeSimple", "CLIPMergeSimple", "ratio * clip1 + (1 - ratio) * clip2 (position ids stay clip1's).",
        {ratioInput("ratio")},
        [](const NodeContext& ctx) { return engine::textMergeRule(engine::mergeRatio(ctx.getFloat("ratio"))); }));
    registry.add(clipMergeNode("CLIPMergeAdd", "CLIPMergeAdd", "clip1 + clip2 (position ids stay clip1's).", {},
                               [](const NodeContext&) { return engine::textMergeRule(engine::mergeAddition()); }));
    registry.add(clipMergeNode(
        "CLIPMergeSubtract", "CLIPMergeSubtract", "(clip1 - clip2) * multiplier (position ids stay clip1's).",
        {multiplierInput()},
        [](const NodeContext& ctx) { return engine::textMergeRule(engine::mergeSubtraction(ctx.getFloat("multiplier"))); }));
    registerCheckpointSaveNode(registry);
}

}  // namespace tessera::nodes
