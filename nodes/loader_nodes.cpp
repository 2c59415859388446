// Loaders: checkpoints, VAEs, ControlNets, LoRAs and hypernetworks from the models folder, shared through the
// process-wide model cache. Inputs and their order follow ComfyUI's nodes.py.
#include "core/engine/files/checkpoint.h"
#include "core/engine/patches/diff_controlnet.h"
#include "core/engine/patches/hypernetwork.h"
#include "core/engine/text/text_encoder.h"
#include "core/exec/node_context.h"
#include "nodes/builtin_nodes.h"
#include "nodes/decl_helpers.h"
#include "nodes/model_cache.h"
#include "nodes/values.h"

#include <ATen/ATen.h>


namespace tessera::nodes {
namespace {

// The chosen file's full path; validation reports missing files before a run, this covers the
// folders changing in between.
std::string modelPath(const NodeContext& ctx, const std::string& input, const std::string& kind,
                      const std::string& label) {
    const std::string& name = ctx.getString(input);
    const std::string path = ctx.env().findModel(kind, name);
    if (path.empty()) {
        const std::string folder = ctx.env().modelDirs.empty() ? "<models folder>/" + kind
                                                               : ctx.env().modelDirs.front() + "/" + kind;
        ctx.fail(name.empty() ? "no " + label + " chosen; put one in " + folder
                              : label + " '" + name + "' not found; put it in " + folder);
    }
    return path;
}

NodeDecl checkpointLoaderSimple() {
    NodeDecl d = makeDecl("CheckpointLoaderSimple", "Load Checkpoint", "loaders",
                          "Loads a Stable Diffusion 1.x/2.x checkpoint: the denoising model, its text encoder and its VAE.");
    d.inputs = {modelFileInput("ckpt_name", "checkpoints")};
    d.outputs = {output("MODEL", "MODEL"), output("CLIP", "CLIP"), output("VAE", "VAE")};
    d.run = [](NodeContext& ctx) {
        engine::LoadOptions options;
        options.modelDirs = ctx.env().modelDirs;
        options.placement = placementFor(ctx.env());
        const auto ckpt = sharedCheckpoint(modelPath(ctx, "ckpt_name", "checkpoints", "checkpoint"), options);
        return std::vector<Value>{std::make_shared<ModelValue>(ckpt.model), std::make_shared<ClipValue>(ckpt.text),
                                  std::make_shared<VaeValue>(ckpt.vae)};
    };
    return d;
}

NodeDecl vaeLoader() {
    NodeDecl d = makeDecl("VAELoader", "Load VAE", "loaders",
                          "Loads a standalone VAE (or the VAE inside a checkpoint file placed in the vae folder).");
    d.inputs = {modelFileInput("vae_name", "vae")};
    d.outputs = {output("VAE", "VAE")};
    d.run = [](NodeContext& ctx) {
        const std::string path = modelPath(ctx, "vae_name", "vae", "VAE");
        return std::vector<Value>{std::make_shared<VaeValue>(sharedVae(path, placementFor(ctx.env())))};
    };
    return d;
}

NodeDecl controlNetLoader() {
    NodeDecl d = makeDecl("ControlNetLoader", "Load ControlNet Model", "loaders",
                          "Loads a ControlNet or a T2I-Adapter (full or light, told apart by its weights as in "
                          "ComfyUI) for SD1.x/SD2.x.");
    d.inputs = {modelFileInput("control_net_name", "controlnet")};
    d.outputs = {output("CONTROL_NET", "CONTROL_NET")};
    d.run = [](NodeContext& ctx) {
        const std::string path = modelPath(ctx, "control_net_name", "controlnet", "ControlNet model");
        return std::vector<Value>{std::make_shared<ControlNetValue>(sharedControlNet(path, placementFor(ctx.env())))};
    };
    return d;
}

NodeDecl diffControlNetLoader() {
    NodeDecl d = makeDecl("DiffControlNetLoader", "Load ControlNet Model (diff)", "loaders",
                          "Loads a ControlNet stored as differences from a base model, adding the connected model's "
                          "weights; a plain ControlNet file loads as with Load ControlNet Model.");
    d.inputs = {port("model", "MODEL"), modelFileInput("control_net_name", "controlnet")};
    d.outputs = {output("CONTROL_NET", "CONTROL_NET")};
    d.run = [](NodeContext& ctx) {
        const auto model = ctx.get<ModelValue>("model");
        const std::string path = modelPath(ctx, "control_net_name", "controlnet", "ControlNet model");
        return std::vector<Value>{
            std::make_shared<ControlNetValue>(engine::loadDiffControlNetFile(path, *model->model, placementFor(ctx.env())))};
    };
    return d;
}

void noteSkippedLoraModules(const NodeContext& ctx, const engine::LoraResult& r) {
    if (r.unknownKeys.empty()) return;
    ctx.note(std::to_string(r.unknownKeys.size()) + " module(s) of '" + ctx.getString("lora_name") +
             "' match nothing in the model and were skipped, e.g. '" + r.unknownKeys.front() + "'");
}

NodeDecl loraLoader() {
    NodeDecl d = makeDecl("LoraLoader", "Load LoRA", "loaders",
                          "Applies a LoRA to the model and the text encoder (copies; the inputs stay unchanged).");
    d.inputs = {port("model", "MODEL"),
                port("clip", "CLIP"),
                modelFileInput("lora_name", "loras"),
                floatInput("strength_model", 1.0, -100.0, 100.0),
                floatInput("strength_clip", 1.0, -100.0, 100.0)};
    d.outputs = {output("MODEL", "MODEL"), output("CLIP", "CLIP")};
    d.run = [](NodeContext& ctx) {
        auto model = ctx.get<ModelValue>("model");
        auto clip = ctx.get<ClipValue>("clip");
        const double strengthModel = ctx.getFloat("strength_model");
        const double strengthClip = ctx.getFloat("strength_clip");
        if (strengthModel == 0.0 && strengthClip == 0.0) return std::vector<Value>{model, clip};
        const std::string path = modelPath(ctx, "lora_name", "loras", "LoRA");
        const engine::LoraResult r = engine::applyLoraFile(path, model->model, clip->encoder, strengthModel, strengthClip);
        noteSkippedLoraModules(ctx, r);
        return std::vector<Value>{std::make_shared<ModelValue>(r.model), std::make_shared<ClipValue>(r.text)};
    };
    return d;
}

NodeDecl loraLoaderModelOnly() {
    NodeDecl d = makeDecl("LoraLoaderModelOnly", "Load LoRA (model only)", "loaders",
                          "Applies a LoRA to the model only (a copy; the input model stays unchanged). The LoRA's "
                          "text encoder modules are left out.");
    d.inputs = {port("model", "MODEL"), modelFileInput("lora_name", "loras"), floatInput("strength_model", 1.0, -100.0, 100.0)};
    d.outputs = {output("MODEL", "MODEL")};
    d.run = [](NodeContext& ctx) {
        auto model = ctx.get<ModelValue>("model");
        const double strength = ctx.getFloat("strength_model");
        if (strength == 0.0) return std::vector<Value>{model};
        const std::string path = modelPath(ctx, "lora_name", "loras", "LoRA");
        const engine::LoraResult r = engine::applyLoraFileToModel(path, model->model, strength);
        noteSkippedLoraModules(ctx, r);
        if (r.textModulesLeftOut > 0)
            ctx.note("the LoRA's " + std::to_string(r.textModulesLeftOut) +
                     " text encoder module(s) were left out: this node patches the model only (LoraLoader patches both)");
        return std::vector<Value>{std::make_shared<ModelValue>(r.model)};
    };
    return d;
}

NodeDecl hypernetworkLoader() {
    NodeDecl d = makeDecl("HypernetworkLoader", "Load Hypernetwork", "loaders",
                          "Applies a hypernetwork (A1111 .pt) to the model's attention inputs at the given strength "
                          "(a copy; the input model stays unchanged).");
    d.inputs = {port("model", "MODEL"), modelFileInput("hypernetwork_name", "hypernetworks"),
                floatInput("strength", 1.0, -10.0, 10.0)};
    d.outputs = {output("MODEL", "MODEL")};
    d.run = [](NodeContext& ctx) {
        auto model = ctx.get<ModelValue>("model");
        const double strength = ctx.getFloat("strength");
        const std::string path = modelPath(ctx, "hypernetwork_name", "hypernetworks", "hypernetwork");
        const engine::Hypernetwork net = engine::loadHypernetworkFile(path);
        if (strength == 0.0) return std::vector<Value>{model};
        return std::vector<Value>{std::make_shared<ModelValue>(engine::applyHypernetwork(model->model, net, strength))};
    };
    return d;
}

}  // namespace

void registerLoaderNodes(Registry& registry) {
    registry.add(checkpointLoaderSimple());
    registry.add(vaeLoader());
    registry.add(controlNetLoader());
    registry.add(diffControlNetLoader());
    registry.add(loraLoader());
    registry.add(loraLoaderModelOnly());
    registry.add(hypernetworkLoader());
}

}  // namespace tessera::nodes
