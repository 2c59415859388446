#include "nodes/painted_mask.h"

#include "nodes/image_node_support.h"

#include <ATen/ATen.h>

namespace tessera::nodes {

NodeDecl paintedMaskDecl() {
    NodeDecl d = makeDecl("PaintedMask", "Painted Mask", "mask",
                          "The mask painted in the mask editor: a greyscale PNG in the input folder, white = repaint "
                          "(the first channel of a colour image). Connect `image` to check that the mask was painted "
                          "on an image of the same size.");
    d.inputs = {inputImageInput("mask_file"), port("image", "IMAGE", true)};
    d.outputs = {output("MASK", "MASK")};
    d.run = [](NodeContext& ctx) {
        const DecodedImage file = loadInputImage(ctx, "mask_file");
        const at::Tensor mask = file.rgb[0].select(2, 0).unsqueeze(0);
        if (ctx.has("image")) {
            const at::Tensor image = imageInput(ctx, "image");
            if (image.size(1) != mask.size(1) || image.size(2) != mask.size(2))
                ctx.fail("the painted mask '" + ctx.getString("mask_file") + "' is " + std::to_string(mask.size(2)) +
                         "x" + std::to_string(mask.size(1)) + " but the image is " + std::to_string(image.size(2)) +
                         "x" + std::to_string(image.size(1)) + "; paint the mask again on this image");
        }
        return std::vector<Value>{maskValue(mask)};
    };
    return d;
}

}  // namespace tessera::nodes
