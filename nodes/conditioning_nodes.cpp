// Text, inpainting-model and edit-model conditioning: CLIPTextEncode, CLIPSetLastLayer,
// InpaintModelConditioning, InstructPixToPixConditioning. Inputs and their order follow ComfyUI's nodes.py.
#include "core/engine/text/text_encoder.h"
#include "core/engine/text/textual_inversion.h"
#include "core/engine/networks/vae.h"
#include "nodes/builtin_nodes.h"
#include "nodes/decl_helpers.h"
#include "nodes/engine_inputs.h"
#include "nodes/values.h"

#include <ATen/ATen.h>

namespace tessera::nodes {
namespace {

// `embedding:NAME` resolves in the embeddings/ folder of every models folder, as in ComfyUI.
engine::EmbeddingFolders promptEmbeddingFolders(const Environment& env) {
    std::vector<std::string> folders;
    for (const std::string& dir : env.modelDirs) folders.push_back(dir + "/embeddings");
    return engine::EmbeddingFolders(std::move(folders));
}

NodeDecl clipTextEncode() {
    NodeDecl d = makeDecl("CLIPTextEncode", "CLIP Text Encode (Prompt)", "conditioning",
                          "Encodes a prompt (with (word:1.2) weights and embedding:name) for the sampler.");
    d.inputs = {stringInput("text", "", true), port("clip", "CLIP")};
    d.outputs = {output("CONDITIONING", "CONDITIONING")};
    d.run = [](NodeContext& ctx) {
        auto clip = ctx.get<ClipValue>("clip");
        if (!clip->encoder) ctx.fail("input 'clip' holds no text encoder");
        engine::Conditioning cond;
        const engine::EmbeddingFolders embeddings = promptEmbeddingFolders(ctx.env());
        cond.context = clip->encoder->encode(ctx.getString("text"), 0, &embeddings);
        return std::vector<Value>{std::make_shared<ConditioningValue>(std::move(cond))};
    };
    return d;
}

NodeDecl clipSetLastLayer() {
    NodeDecl d = makeDecl("CLIPSetLastLayer", "CLIP Set Last Layer", "conditioning",
                          "Stops the text encoder early (\"clip skip\"): -1 = last layer, -2 = penultimate, ...");
    d.inputs = {port("clip", "CLIP"), intInput("stop_at_clip_layer", -1, -24, -1)};
    d.outputs = {output("CLIP", "CLIP")};
    d.run = [](NodeContext& ctx) {
        auto clip = ctx.get<ClipValue>("clip");
        if (!clip->encoder) ctx.fail("input 'clip' holds no text encoder");
        auto copy = std::make_shared<engine::TextEncoder>(*clip->encoder);
        copy->setLastLayer(static_cast<int>(ctx.getInt("stop_at_clip_layer")));
        return std::vector<Value>{std::make_shared<ClipValue>(std::move(copy))};
    };
    return d;
}

NodeDecl inpaintModelConditioning() {
    NodeDecl d = makeDecl("InpaintModelConditioning", "InpaintModelConditioning", "conditioning/inpaint",
                          "Prepares an inpainting model (9 input channels): the mask and the latent of the image with the "
                          "masked area greyed out go with the conditioning; the latent is the whole image's.");
    d.inputs = {port("positive", "CONDITIONING"), port("negative", "CONDITIONING"), port("vae", "VAE"),
                port("pixels", "IMAGE"),          port("mask", "MASK"),             boolInput("noise_mask", true)};
    d.outputs = {output("positive", "CONDITIONING"), output("negative", "CONDITIONING"), output("latent", "LATENT")};
    d.run = [](NodeContext& ctx) {
        auto vae = vaeInput(ctx, "vae");
        const InpaintPixels in = prepareInpaintPixels(ctx, imageInput(ctx, "pixels"), maskInput(ctx, "mask"));
        const at::Tensor concatLatent = encodeImage(ctx, *vae, in.greyed);
        auto latent = std::make_shared<LatentValue>(encodeImage(ctx, *vae, in.pixels));
        if (ctx.getBool("noise_mask")) latent->noiseMask = in.mask;
        std::vector<Value> out;
        for (const char* side : {"positive", "negative"}) {
            std::vector<engine::Conditioning> entries = ctx.get<ConditioningValue>(side)->entries;
            for (auto& c : entries) {
                c.concatMask = in.mask;
                c.concatLatent = concatLatent;
            }
            out.push_back(std::make_shared<ConditioningValue>(std::move(entries)));
        }
        out.push_back(latent);
        return out;
    };
    return d;
}

NodeDecl instructPixToPixConditioning() {
    NodeDecl d = makeDecl("InstructPixToPixConditioning", "InstructPixToPixConditioning", "conditioning/instructpix2pix",
                          "Prepares an InstructPix2Pix edit model (8 input channels): the latent of the image to edit "
                          "goes with both conditionings; the latent to sample starts empty.");
    d.inputs = {port("positive", "CONDITIONING"), port("negative", "CONDITIONING"), port("vae", "VAE"), port("pixels", "IMAGE")};
    d.outputs = {output("positive", "CONDITIONING"), output("negative", "CONDITIONING"), output("latent", "LATENT")};
    d.run = [](NodeContext& ctx) {
        auto vae = vaeInput(ctx, "vae");
        const at::Tensor concatLatent = encodeImage(ctx, *vae, imageInput(ctx, "pixels"));  // cut to multiples of 8
        std::vector<Value> out;
        for (const char* side : {"positive", "negative"}) {
            std::vector<engine::Conditioning> entries = ctx.get<ConditioningValue>(side)->entries;
            for (auto& c : entries) c.concatLatent = concatLatent;
            out.push_back(std::make_shared<ConditioningValue>(std::move(entries)));
        }
        out.push_back(std::make_shared<LatentValue>(at::zeros_like(concatLatent)));
        return out;
    };
    return d;
}

}  // namespace

void registerConditioningNodes(Registry& registry) {
    registry.add(clipTextEncode());
    registry.add(clipSetLastLayer());
    registry.add(inpaintModelConditioning());
    registry.add(instructPixToPixConditioning());
}

}  // namespace tessera::nodes
