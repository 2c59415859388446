// InpaintPreprocessor (comfyui_controlnet_aux): the ControlNet input of inpaint ControlNets, the image
// with its masked pixels set to -1 (or to 0 for xinsir's ControlNets).
#include "nodes/decl_helpers.h"
#include "nodes/image_node_support.h"
#include "nodes/preprocessor_routes.h"

#include <ATen/ATen.h>

namespace tessera::nodes {
namespace {

NodeDecl inpaintPreprocessorDecl() {
    NodeDecl d = makeDecl("InpaintPreprocessor", "Inpaint Preprocessor", "ControlNet Preprocessors/others",
                          "The image with the masked area (mask > 0.5, the mask scaled bilinearly to the image) "
                          "set to -1, which inpaint ControlNets read as 'to be filled'; black_pixel_for_xinsir_cn "
                          "sets it to 0 instead.");
    d.inputs = {port("image", "IMAGE"), port("mask", "MASK"), boolInput("black_pixel_for_xinsir_cn", false)};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor images = imageInput(ctx, "image");
        at::Tensor mask = maskInput(ctx, "mask").unsqueeze(1);
        mask = at::upsample_bilinear2d(mask, {images.size(1), images.size(2)}, false, c10::nullopt, c10::nullopt);
        if (mask.size(0) != images.size(0) && mask.size(0) != 1)
            ctx.fail("the mask batch (" + std::to_string(mask.size(0)) + ") does not match the image batch (" +
                     std::to_string(images.size(0)) + "); give one mask or one per image");
        const at::Tensor masked = (mask.squeeze(1).unsqueeze(3) > 0.5).expand({images.size(0), -1, -1, 3});
        const float fill = ctx.getBool("black_pixel_for_xinsir_cn") ? 0.0f : -1.0f;
        return std::vector<Value>{imageValue(images.masked_fill(masked, fill))};
    };
    return d;
}

}  // namespace

void addInpaintPreprocessor(Registry& registry) { registry.add(inpaintPreprocessorDecl()); }

}  // namespace tessera::nodes
