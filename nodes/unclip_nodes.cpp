// unCLIP: unCLIPCheckpointLoader (an SD2 unCLIP checkpoint's model, text encoder, VAE and the CLIP vision
// tower stored in the same file) and unCLIPConditioning (attaches an image embedding to the conditioning;
// the sampler turns it into the UNet's ADM vector, core/engine/sampling/unclip_adm.h). Names, inputs and
// semantics are ComfyUI's (nodes.py).
#include "core/common/error.h"
#include "core/engine/networks/unet.h"
#include "core/exec/node_context.h"
#include "nodes/builtin_nodes.h"
#include "nodes/clip_vision_values.h"
#include "nodes/decl_helpers.h"
#include "nodes/model_cache.h"
#include "nodes/values.h"

namespace tessera::nodes {
namespace {

std::string unclipCheckpointPath(const NodeContext& ctx) {
    const std::string& name = ctx.getString("ckpt_name");
    const std::string path = ctx.env().findModel("checkpoints", name);
    if (path.empty()) {
        const std::string folder = ctx.env().modelDirs.empty() ? "<models folder>/checkpoints"
                                                               : ctx.env().modelDirs.front() + "/checkpoints";
        ctx.fail(name.empty() ? "no checkpoint chosen; put one in " + folder
                              : "checkpoint '" + name + "' not found; put it in " + folder);
    }
    return path;
}

NodeDecl unclipCheckpointLoader() {
    NodeDecl d = makeDecl("unCLIPCheckpointLoader", "unCLIPCheckpointLoader", "loaders",
                          "Loads an SD2 unCLIP checkpoint: the denoising model (which takes an image embedding), its "
                          "text encoder, its VAE and the CLIP vision model stored in the same file.");
    d.inputs = {modelFileInput("ckpt_name", "checkpoints")};
    d.outputs = {output("MODEL", "MODEL"), output("CLIP", "CLIP"), output("VAE", "VAE"),
                 output("CLIP_VISION", "CLIP_VISION")};
    d.run = [](NodeContext& ctx) {
        const std::string path = unclipCheckpointPath(ctx);
        engine::LoadOptions options;
        options.modelDirs = ctx.env().modelDirs;
        options.placement = placementFor(ctx.env());
        try {
            const auto ckpt = sharedCheckpoint(path, options);
            // Like ComfyUI, an ordinary checkpoint loads too, without a vision model (CLIPVisionEncode then says so);
            // an unCLIP model's own tower must load.
            std::shared_ptr<const engine::ClipVisionModel> vision;
            try {
                vision = sharedClipVision(path);
            } catch (const Error&) {
                if (ckpt.model->unet->config().admInChannels > 0) throw;
            }
            return std::vector<Value>{std::make_shared<ModelValue>(ckpt.model), std::make_shared<ClipValue>(ckpt.text),
                                      std::make_shared<VaeValue>(ckpt.vae), std::make_shared<ClipVisionValue>(vision)};
        } catch (const Error& e) {
            ctx.fail(e.what());
        }
    };
    return d;
}

NodeDecl unclipConditioning() {
    NodeDecl d = makeDecl("unCLIPConditioning", "unCLIPConditioning", "conditioning",
                          "Adds a CLIP vision image embedding to the conditioning for an unCLIP model, with its weight "
                          "and how much noise hides its details (0 = none, 1 = all). Models without image input ignore it.");
    d.inputs = {port("conditioning", "CONDITIONING"), port("clip_vision_output", "CLIP_VISION_OUTPUT"),
                floatInput("strength", 1.0, -10.0, 10.0), floatInput("noise_augmentation", 0.0, 0.0, 1.0)};
    d.outputs = {output("CONDITIONING", "CONDITIONING")};
    d.run = [](NodeContext& ctx) {
        const auto conditioning = ctx.get<ConditioningValue>("conditioning");
        const double strength = ctx.getFloat("strength");
        if (strength == 0.0) return std::vector<Value>{conditioning};
        const at::Tensor embeds = ctx.get<ClipVisionOutputValue>("clip_vision_output")->output.imageEmbeds;
        if (!embeds.defined() || embeds.dim() != 2)
            ctx.fail("input 'clip_vision_output' holds no image embedding");
        std::vector<engine::Conditioning> out = conditioning->entries;
        for (auto& e : out) e.unclip.push_back({embeds, strength, ctx.getFloat("noise_augmentation")});
        return std::vector<Value>{std::make_shared<ConditioningValue>(std::move(out))};
    };
    return d;
}

}  // namespace

void registerUnclipNodes(Registry& registry) {
    registry.add(unclipCheckpointLoader());
    registry.add(unclipConditioning());
}

}  // namespace tessera::nodes
