// CLIP vision: CLIPVisionLoader (models/clip_vision, both real key layouts) and CLIPVisionEncode
// (crop center / none), with ComfyUI's names, inputs and semantics (nodes.py, comfy/clip_vision.py).
#include "core/common/error.h"
#include "core/exec/node_context.h"
#include "nodes/builtin_nodes.h"
#include "nodes/clip_vision_values.h"
#include "nodes/decl_helpers.h"
#include "nodes/image_node_support.h"
#include "nodes/model_cache.h"

#include <ATen/ATen.h>

namespace tessera::nodes {
namespace {

NodeDecl clipVisionLoader() {
    NodeDecl d = makeDecl("CLIPVisionLoader", "Load CLIP Vision", "loaders",
                          "Loads a CLIP image encoder (ViT) from the clip_vision folder, in Hugging Face "
                          "(vision_model.*) or OpenCLIP (visual.*) naming; its size comes from the file.");
    d.inputs = {modelFileInput("clip_name", "clip_vision")};
    d.outputs = {output("CLIP_VISION", "CLIP_VISION")};
    d.run = [](NodeContext& ctx) {
        const std::string& name = ctx.getString("clip_name");
        const std::string path = ctx.env().findModel("clip_vision", name);
        if (path.empty()) {
            const std::string folder = ctx.env().modelDirs.empty() ? "<models folder>/clip_vision"
                                                                   : ctx.env().modelDirs.front() + "/clip_vision";
            ctx.fail(name.empty() ? "no CLIP vision model chosen; put one in " + folder
                                  : "CLIP vision model '" + name + "' not found; put it in " + folder);
        }
        try {
            return std::vector<Value>{std::make_shared<ClipVisionValue>(sharedClipVision(path))};
        } catch (const Error& e) {
            ctx.fail(e.what());
        }
    };
    return d;
}

NodeDecl clipVisionEncode() {
    NodeDecl d = makeDecl("CLIPVisionEncode", "CLIP Vision Encode", "conditioning",
                          "Encodes images with a CLIP vision model (for unCLIP and image prompts). 'center' scales "
                          "the short side to the model's input size and cuts the middle; 'none' squashes the whole image.");
    d.inputs = {port("clip_vision", "CLIP_VISION"), port("image", "IMAGE"), comboInput("crop", {"center", "none"})};
    d.outputs = {output("CLIP_VISION_OUTPUT", "CLIP_VISION_OUTPUT")};
    d.run = [](NodeContext& ctx) {
        const auto model = ctx.get<ClipVisionValue>("clip_vision")->model;
        if (!model) ctx.fail("input 'clip_vision' holds no model");
        const at::Tensor image = imageInput(ctx, "image");
        try {
            return std::vector<Value>{
                std::make_shared<ClipVisionOutputValue>(model->encode(image, ctx.getString("crop") == "center"))};
        } catch (const Error& e) {
            ctx.fail(e.what());
        }
    };
    return d;
}

}  // namespace

void registerClipVisionNodes(Registry& registry) {
    registry.add(clipVisionLoader());
    registry.add(clipVisionEncode());
}

}  // namespace tessera::nodes
