// Inpaint only the masked area (A1111's "only masked"): InpaintCrop cuts the region around the
// mask out of the image and scales it to the model's resolution; InpaintStitch scales the
// inpainted crop back and pastes it in with a feathered mask, leaving every pixel outside the
// feathered mask bit-identical to the source.
#include "nodes/builtin_nodes.h"
#include "nodes/crop_info.h"
#include "nodes/image_node_support.h"
#include "nodes/image_resize.h"
#include "nodes/inpaint_crop.h"

#include <ATen/ATen.h>

namespace tessera::nodes {
namespace {

std::string sizeText(int64_t w, int64_t h) { return std::to_string(w) + "x" + std::to_string(h); }

// NHWC (or NHW for masks) resized with torch-style interpolation; the same size is returned as is.
at::Tensor resized(const at::Tensor& t, int64_t width, int64_t height, const std::string& method) {
    if (t.size(1) == height && t.size(2) == width) return t;
    const bool isMask = t.dim() == 3;
    const at::Tensor nchw = isMask ? t.unsqueeze(1) : t.permute({0, 3, 1, 2});
    const at::Tensor out = commonUpscale(nchw, width, height, method, "disabled").clamp(0, 1);
    return isMask ? out.squeeze(1) : out.permute({0, 2, 3, 1}).contiguous();
}

void checkMaskFits(const NodeContext& ctx, const at::Tensor& image, const at::Tensor& mask, const std::string& imageName) {
    if (mask.size(1) != image.size(1) || mask.size(2) != image.size(2))
        ctx.fail("the mask is " + sizeText(mask.size(2), mask.size(1)) + " but " + imageName + " is " +
                 sizeText(image.size(2), image.size(1)) + "; paint the mask on this image or scale it to the same size");
    if (mask.size(0) != 1 && mask.size(0) != image.size(0))
        ctx.fail("the mask batch has " + std::to_string(mask.size(0)) + " masks but " + imageName + " has " +
                 std::to_string(image.size(0)) + " images; use one mask or one per image");
}

NodeDecl inpaintCrop() {
    NodeDecl d = makeDecl("InpaintCrop", "Inpaint Crop (only masked)", "inpaint",
                          "Cuts the area around the mask, grown by `padding` pixels, out of the image and scales it "
                          "so its longer side is `target_size` (both sides multiples of 8), for inpainting at the "
                          "model's resolution. InpaintStitch puts the result back.");
    d.inputs = {port("image", "IMAGE"), port("mask", "MASK"), intInput("padding", 32, 0, kMaxResolution),
                intInput("target_size", 512, 64, kMaxResolution, 8)};
    d.outputs = {output("IMAGE", "IMAGE"), output("MASK", "MASK"), output("CROP_INFO", "CROP_INFO")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor image = imageInput(ctx, "image");
        const at::Tensor mask = maskInput(ctx, "mask");
        checkMaskFits(ctx, image, mask, "the image");
        const CropRect rect = maskCropRect(mask, ctx.getInt("padding"));
        if (rect.width == 0) ctx.fail("the mask is empty: paint the area to inpaint");
        auto info = std::make_shared<CropInfoValue>();
        info->rect = rect;
        info->sourceWidth = image.size(2);
        info->sourceHeight = image.size(1);
        cropTargetSize(rect, ctx.getInt("target_size"), info->resizedWidth, info->resizedHeight);
        const auto cut = [&](const at::Tensor& t) { return t.narrow(1, rect.y, rect.height).narrow(2, rect.x, rect.width); };
        try {
            const at::Tensor pixels = resized(cut(image), info->resizedWidth, info->resizedHeight, "bicubic");
            const at::Tensor masks = resized(cut(mask), info->resizedWidth, info->resizedHeight, "bilinear");
            return std::vector<Value>{imageValue(pixels), maskValue(masks), Value(std::shared_ptr<const CropInfoValue>(info))};
        } catch (const Error& e) {
            ctx.fail(e.what());
        }
    };
    return d;
}

NodeDecl inpaintStitch() {
    NodeDecl d = makeDecl("InpaintStitch", "Inpaint Stitch (only masked)", "inpaint",
                          "Scales the inpainted crop back to the rectangle InpaintCrop cut and blends it into the "
                          "source through the mask feathered outwards by `feather` pixels. Pixels outside the "
                          "feathered mask stay bit-identical to the source.");
    d.inputs = {port("source", "IMAGE"), port("inpainted", "IMAGE"), port("crop_info", "CROP_INFO"),
                port("mask", "MASK"), intInput("feather", 8, 0, 512)};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor source = imageInput(ctx, "source");
        const at::Tensor inpainted = imageInput(ctx, "inpainted");
        const auto info = ctx.get<CropInfoValue>("crop_info");
        const at::Tensor mask = maskInput(ctx, "mask");
        if (source.size(2) != info->sourceWidth || source.size(1) != info->sourceHeight)
            ctx.fail("the source image is " + sizeText(source.size(2), source.size(1)) + " but the crop was cut from a " +
                     sizeText(info->sourceWidth, info->sourceHeight) + " image; connect the image that went into InpaintCrop");
        checkMaskFits(ctx, source, mask, "the source image");
        if (source.size(0) != 1 && source.size(0) != inpainted.size(0))
            ctx.fail("the source batch has " + std::to_string(source.size(0)) + " images but the inpainted batch has " +
                     std::to_string(inpainted.size(0)) + "; use one source image or one per inpainted image");
        if (mask.size(0) != 1 && mask.size(0) != inpainted.size(0))
            ctx.fail("the mask batch has " + std::to_string(mask.size(0)) + " masks but the inpainted batch has " +
                     std::to_string(inpainted.size(0)) + "; use one mask or one per inpainted image");
        try {
            const at::Tensor crop = resized(inpainted, info->rect.width, info->rect.height, "bicubic");
            const at::Tensor weights = featherInpaintMask(mask, ctx.getInt("feather"));
            return std::vector<Value>{imageValue(stitchCrop(source, crop, info->rect, weights))};
        } catch (const Error& e) {
            ctx.fail(e.what());
        }
    };
    return d;
}

}  // namespace

void registerInpaintCropNodes(Registry& registry) {
    registry.add(inpaintCrop());
    registry.add(inpaintStitch());
}

}  // namespace tessera::nodes
