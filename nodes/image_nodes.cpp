// Image nodes with ComfyUI's names, inputs (in ComfyUI's order) and semantics:
// LoadImage, SaveImage, PreviewImage, ImageScale, ImageScaleBy, ImageScaleToTotalPixels, ImageCrop,
// ImageInvert, ImagePadForOutpaint.
#include "nodes/builtin_nodes.h"
#include "nodes/decl_helpers.h"
#include "nodes/image_convert.h"
#include "nodes/image_node_support.h"
#include "nodes/image_resize.h"
#include "nodes/image_saving.h"
#include "nodes/memory_estimates.h"

#include "core/exec/node_context.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

namespace tessera::nodes {
namespace {

NodeDecl loadImage() {
    NodeDecl d = makeDecl("LoadImage", "Load Image", "image",
                          "Loads an image from the input folder. MASK is 1 - alpha (1 = repaint where the image is "
                          "transparent); an image without alpha gives a 64x64 zero mask, as in ComfyUI.");
    d.inputs = {inputImageInput("image")};
    d.outputs = {output("IMAGE", "IMAGE"), output("MASK", "MASK")};
    d.run = [](NodeContext& ctx) {
        const DecodedImage img = loadInputImage(ctx, "image");
        const at::Tensor mask = img.alpha.defined() ? (1.0 - img.alpha).unsqueeze(0) : at::zeros({1, 64, 64});
        return std::vector<Value>{imageValue(img.rgb), maskValue(mask)};
    };
    return d;
}

NodeDecl saveImage() {
    NodeDecl d = makeDecl("SaveImage", "Save Image", "image",
                          "Saves the images as PNG files <filename_prefix>_00001_.png, ... in the output folder "
                          "(sub-folders allowed in the prefix), numbered after the files already there; never "
                          "overwrites. The graph is embedded so the PNG can be opened as a workflow. Images with alpha "
                          "(JoinImageWithAlpha) are saved transparent.");
    d.inputs = {port("images", "IMAGE"), stringInput("filename_prefix", "Tessera")};
    d.isOutput = true;
    d.run = [](NodeContext& ctx) {
        const at::Tensor images = imageWithAlphaInput(ctx, "images");
        saveImageBatch(ctx, images, ctx.env().outputDir, ctx.getString("filename_prefix"), 4);
        return std::vector<Value>{};
    };
    return d;
}

std::shared_ptr<const PreviewImage> toPreview(const at::Tensor& hwc) {
    const cv::Mat bytes = toUint8(hwc);
    auto p = std::make_shared<PreviewImage>();
    p->width = bytes.cols;
    p->height = bytes.rows;
    p->rgb.assign(bytes.data, bytes.data + size_t(bytes.cols) * size_t(bytes.rows) * 3);
    return p;
}

NodeDecl previewImage() {
    NodeDecl d = makeDecl("PreviewImage", "Preview Image", "image",
                          "Shows the images and keeps them as PNGs in the temporary folder.");
    d.inputs = {port("images", "IMAGE")};
    d.isOutput = true;
    d.run = [](NodeContext& ctx) {
        const at::Tensor images = imageWithAlphaInput(ctx, "images");
        const std::string& dir = ctx.env().tempDir.empty() ? ctx.env().outputDir : ctx.env().tempDir;
        saveImageBatch(ctx, images, dir, "Tessera_preview", 1);
        for (int64_t i = 0; i < images.size(0); ++i) ctx.preview(toPreview(images[i].narrow(2, 0, 3)));
        return std::vector<Value>{};
    };
    return d;
}

at::Tensor upscaleImage(const NodeContext& ctx, const at::Tensor& image, int64_t width, int64_t height,
                        const std::string& crop) {
    // The resized image, its NCHW input copy and the NHWC result.
    requireNodeMemory(ctx, mulBytes(3, float32Bytes(image.size(0), image.size(3), height, width)),
                      "resizing to " + std::to_string(width) + "x" + std::to_string(height) + " (batch " +
                          std::to_string(image.size(0)) + ")");
    try {
        return commonUpscale(image.permute({0, 3, 1, 2}), width, height, ctx.getString("upscale_method"), crop)
            .permute({0, 2, 3, 1});
    } catch (const Error& e) {
        ctx.fail(e.what());
    }
}

NodeDecl imageScale() {
    NodeDecl d = makeDecl("ImageScale", "Upscale Image", "image/upscaling",
                          "Resizes to width x height. 0 for one side keeps the aspect ratio; 0 for both leaves the "
                          "image as it is. crop 'center' first cuts the image to the target aspect ratio.");
    d.inputs = {port("image", "IMAGE"), comboInput("upscale_method", upscaleMethods()),
                intInput("width", 512, 0, kMaxResolution), intInput("height", 512, 0, kMaxResolution),
                comboInput("crop", {"disabled", "center"})};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor image = imageInput(ctx, "image");
        int64_t width = ctx.getInt("width"), height = ctx.getInt("height");
        if (width == 0 && height == 0) return std::vector<Value>{imageValue(image)};
        const int64_t h = image.size(1), w = image.size(2);
        if (width == 0) width = std::max<int64_t>(1, roundHalfEven(double(w) * double(height) / double(h)));
        if (height == 0) height = std::max<int64_t>(1, roundHalfEven(double(h) * double(width) / double(w)));
        return std::vector<Value>{imageValue(upscaleImage(ctx, image, width, height, ctx.getString("crop")))};
    };
    return d;
}

NodeDecl imageScaleBy() {
    NodeDecl d = makeDecl("ImageScaleBy", "Upscale Image By", "image/upscaling",
                          "Resizes by a factor; each side becomes round(side * scale_by).");
    d.inputs = {port("image", "IMAGE"), comboInput("upscale_method", upscaleMethods()),
                floatInput("scale_by", 1.0, 0.01, 8.0, 0.01)};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor image = imageInput(ctx, "image");
        const double s = ctx.getFloat("scale_by");
        const int64_t width = roundHalfEven(double(image.size(2)) * s);
        const int64_t height = roundHalfEven(double(image.size(1)) * s);
        if (width < 1 || height < 1)
            ctx.fail("scaling " + std::to_string(image.size(2)) + "x" + std::to_string(image.size(1)) + " by " +
                     std::to_string(s) + " leaves no pixels; use a larger scale_by");
        return std::vector<Value>{imageValue(upscaleImage(ctx, image, width, height, "disabled"))};
    };
    return d;
}

// Python's round(), half to even, of a side scaled to the pixel budget, in whole resolution steps.
int64_t totalPixelsSide(int64_t side, double scaleBy, int64_t steps) {
    return roundHalfEven(double(side) * scaleBy / double(steps)) * steps;
}

NodeDecl imageScaleToTotalPixels() {
    NodeDecl d = makeDecl("ImageScaleToTotalPixels", "Scale Image to Total Pixels", "image/upscaling",
                          "Resizes to about megapixels x 1024 x 1024 pixels, keeping the aspect ratio; each side is "
                          "rounded to a multiple of resolution_steps.");
    d.inputs = {port("image", "IMAGE"), comboInput("upscale_method", upscaleMethods()),
                floatInput("megapixels", 1.0, 0.01, 16.0, 0.01), intInput("resolution_steps", 1, 1, 256)};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor image = imageInput(ctx, "image");
        const int64_t h = image.size(1), w = image.size(2), steps = ctx.getInt("resolution_steps");
        const double scaleBy = std::sqrt(ctx.getFloat("megapixels") * 1024.0 * 1024.0 / double(w * h));
        const int64_t width = totalPixelsSide(w, scaleBy, steps), height = totalPixelsSide(h, scaleBy, steps);
        if (width < 1 || height < 1)
            ctx.fail("a " + std::to_string(w) + "x" + std::to_string(h) + " image scaled to " +
                     std::to_string(ctx.getFloat("megapixels")) + " megapixels in steps of " + std::to_string(steps) +
                     " leaves a side of 0 pixels; raise megapixels or lower resolution_steps");
        return std::vector<Value>{imageValue(upscaleImage(ctx, image, width, height, "disabled"))};
    };
    return d;
}

NodeDecl imageCrop() {
    NodeDecl d = makeDecl("ImageCrop", "Image Crop", "image/transform",
                          "Cuts a width x height rectangle whose top-left corner is (x, y). Like ComfyUI, a "
                          "rectangle reaching past the right or bottom edge is cut at the edge.");
    d.inputs = {port("image", "IMAGE"), intInput("width", 512, 1, kMaxResolution, 8),
                intInput("height", 512, 1, kMaxResolution, 8), intInput("x", 0, 0, kMaxResolution, 8),
                intInput("y", 0, 0, kMaxResolution, 8)};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor image = imageInput(ctx, "image");
        const int64_t h = image.size(1), w = image.size(2);
        const int64_t x = ctx.getInt("x"), y = ctx.getInt("y");
        // ComfyUI silently moves such corners to the last pixel; that is never what was meant.
        if (x >= w || y >= h)
            ctx.fail("the crop corner (" + std::to_string(x) + ", " + std::to_string(y) + ") is outside the " +
                     std::to_string(w) + "x" + std::to_string(h) + " image; use x < " + std::to_string(w) +
                     " and y < " + std::to_string(h));
        const int64_t toX = std::min(w, x + ctx.getInt("width")), toY = std::min(h, y + ctx.getInt("height"));
        return std::vector<Value>{imageValue(image.slice(1, y, toY).slice(2, x, toX))};
    };
    return d;
}

NodeDecl imageInvert() {
    NodeDecl d = makeDecl("ImageInvert", "Invert Image", "image", "1 - every channel value.");
    d.inputs = {port("image", "IMAGE")};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) { return std::vector<Value>{imageValue(1.0 - imageInput(ctx, "image"))}; };
    return d;
}

// ComfyUI's mask: 1 on the new border, and inside the image (feathering - d)^2 / feathering^2 within
// `feathering` pixels of a padded side (d = distance to that side), 0 elsewhere.
at::Tensor outpaintMask(int64_t h, int64_t w, int64_t left, int64_t top, int64_t right, int64_t bottom,
                        int64_t feathering) {
    at::Tensor mask = at::ones({h + top + bottom, w + left + right});
    at::Tensor inner = at::zeros({h, w});
    if (feathering > 0 && feathering * 2 < h && feathering * 2 < w) {
        auto t = inner.accessor<float, 2>();
        for (int64_t i = 0; i < h; ++i) {
            for (int64_t j = 0; j < w; ++j) {
                const int64_t dt = top != 0 ? i : h, db = bottom != 0 ? h - i : h;
                const int64_t dl = left != 0 ? j : w, dr = right != 0 ? w - j : w;
                const int64_t dist = std::min({dt, db, dl, dr});
                if (dist >= feathering) continue;
                const double v = double(feathering - dist) / double(feathering);
                t[i][j] = float(v * v);
            }
        }
    }
    mask.slice(0, top, top + h).slice(1, left, left + w).copy_(inner);
    return mask.unsqueeze(0);
}

NodeDecl imagePadForOutpaint() {
    NodeDecl d = makeDecl("ImagePadForOutpaint", "Pad Image for Outpainting", "image",
                          "Adds black borders and a MASK that is 1 on them (to be repainted), fading into the image "
                          "over `feathering` pixels along the padded sides (quadratically, as ComfyUI). Feathering is "
                          "skipped when it is at least half the image's width or height.");
    d.inputs = {port("image", "IMAGE"),
                intInput("left", 0, 0, kMaxResolution, 8),
                intInput("top", 0, 0, kMaxResolution, 8),
                intInput("right", 0, 0, kMaxResolution, 8),
                intInput("bottom", 0, 0, kMaxResolution, 8),
                intInput("feathering", 40, 0, kMaxResolution)};
    d.outputs = {output("IMAGE", "IMAGE"), output("MASK", "MASK")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor image = imageInput(ctx, "image");
        const int64_t left = ctx.getInt("left"), top = ctx.getInt("top");
        const int64_t right = ctx.getInt("right"), bottom = ctx.getInt("bottom");
        const int64_t b = image.size(0), h = image.size(1), w = image.size(2);
        at::Tensor padded = at::zeros({b, h + top + bottom, w + left + right, 3});
        padded.slice(1, top, top + h).slice(2, left, left + w).copy_(image);
        const at::Tensor mask = outpaintMask(h, w, left, top, right, bottom, ctx.getInt("feathering"));
        return std::vector<Value>{imageValue(padded), maskValue(mask)};
    };
    return d;
}

}  // namespace

void registerImageNodes(Registry& registry) {
    for (NodeDecl d : {loadImage(), saveImage(), previewImage(), imageScale(), imageScaleBy(), imageScaleToTotalPixels(), imageCrop(),
                       imageInvert(), imagePadForOutpaint()})
        registry.add(std::move(d));
}

}  // namespace tessera::nodes
