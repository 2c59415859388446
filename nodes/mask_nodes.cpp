// Mask nodes with ComfyUI's names, inputs (in ComfyUI's order) and semantics (nodes.py and
// comfy_extras/nodes_mask.py): LoadImageMask, MaskToImage, ImageToMask, ImageColorToMask, SolidMask, InvertMask, CropMask,
// GrowMask, FeatherMask, ThresholdMask, MaskComposite; and Tessera's PaintedMask (painted_mask.h) and
// PaintedSketch (painted_sketch.h). A MASK is [B,H,W] float 0..1, 1 = repaint.
#include "nodes/builtin_nodes.h"
#include "nodes/decl_helpers.h"
#include "nodes/image_convert.h"
#include "nodes/image_node_support.h"
#include "nodes/painted_mask.h"
#include "nodes/painted_sketch.h"

#include <ATen/ATen.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdlib>

namespace tessera::nodes {
namespace {

const std::vector<std::string> kRgb = {"red", "green", "blue"};

int64_t channelIndex(const std::string& channel) {
    return std::find(kRgb.begin(), kRgb.end(), channel) - kRgb.begin();
}

NodeDecl loadImageMask() {
    NodeDecl d = makeDecl("LoadImageMask", "Load Image (as Mask)", "mask",
                          "Loads one channel of an image from the input folder as a MASK. 'alpha' gives 1 - alpha "
                          "(transparent = 1; an image without alpha gives zeros); a grey image has the same value in "
                          "red, green and blue.");
    d.inputs = {inputImageInput("image"), comboInput("channel", {"alpha", "red", "green", "blue"})};
    d.outputs = {output("MASK", "MASK")};
    d.run = [](NodeContext& ctx) {
        const DecodedImage img = loadInputImage(ctx, "image");
        const std::string& channel = ctx.getString("channel");
        at::Tensor mask;
        if (channel == "alpha")
            mask = img.alpha.defined() ? 1.0 - img.alpha : at::zeros({img.rgb.size(1), img.rgb.size(2)});
        else if (channelIndex(channel) < 3)
            mask = img.rgb[0].select(2, channelIndex(channel));
        else
            ctx.fail("unknown channel '" + channel + "'; use alpha, red, green or blue");
        return std::vector<Value>{maskValue(mask.unsqueeze(0))};
    };
    return d;
}

NodeDecl maskToImage() {
    NodeDecl d = makeDecl("MaskToImage", "Convert Mask to Image", "mask", "A grey IMAGE with the mask in each channel.");
    d.inputs = {port("mask", "MASK")};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor mask = maskInput(ctx, "mask");
        return std::vector<Value>{imageValue(mask.unsqueeze(3).expand({-1, -1, -1, 3}))};
    };
    return d;
}

NodeDecl imageToMask() {
    NodeDecl d = makeDecl("ImageToMask", "Convert Image to Mask", "mask", "One channel of every image as a MASK.");
    d.inputs = {port("image", "IMAGE"), comboInput("channel", kRgb)};
    d.outputs = {output("MASK", "MASK")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor image = imageInput(ctx, "image");
        const int64_t c = channelIndex(ctx.getString("channel"));
        if (c >= 3) ctx.fail("unknown channel '" + ctx.getString("channel") + "'; use red, green or blue");
        return std::vector<Value>{maskValue(image.select(3, c))};
    };
    return d;
}

NodeDecl imageColorToMask() {
    NodeDecl d = makeDecl("ImageColorToMask", "ImageColorToMask", "mask",
                          "1 where the pixel is exactly `color` (0xRRGGBB, each channel rounded to 0..255), else 0.");
    d.inputs = {port("image", "IMAGE"), intInput("color", 0, 0, 0xFFFFFF)};
    d.outputs = {output("MASK", "MASK")};
    d.run = [](NodeContext& ctx) {
        // torch.round, as ComfyUI: halves to even, in float32.
        const at::Tensor levels = at::round(at::clamp(imageInput(ctx, "image"), 0.0, 1.0) * 255.0f).to(at::kInt);
        const at::Tensor packed = levels.select(3, 0) * 65536 + levels.select(3, 1) * 256 + levels.select(3, 2);
        return std::vector<Value>{maskValue(packed.eq(ctx.getInt("color")).to(at::kFloat))};
    };
    return d;
}

NodeDecl solidMask() {
    NodeDecl d = makeDecl("SolidMask", "SolidMask", "mask", "A mask of one value.");
    d.inputs = {floatInput("value", 1.0, 0.0, 1.0, 0.01), intInput("width", 512, 1, kMaxResolution),
                intInput("height", 512, 1, kMaxResolution)};
    d.outputs = {output("MASK", "MASK")};
    d.run = [](NodeContext& ctx) {
        const int64_t w = ctx.getInt("width"), h = ctx.getInt("height");
        return std::vector<Value>{maskValue(at::full({1, h, w}, ctx.getFloat("value"), at::kFloat))};
    };
    return d;
}

NodeDecl cropMask() {
    NodeDecl d = makeDecl("CropMask", "CropMask", "mask",
                          "The part of the mask from (x, y), `width` x `height` pixels, cut to the mask.");
    d.inputs = {port("mask", "MASK"), intInput("x", 0, 0, kMaxResolution), intInput("y", 0, 0, kMaxResolution),
                intInput("width", 512, 1, kMaxResolution), intInput("height", 512, 1, kMaxResolution)};
    d.outputs = {output("MASK", "MASK")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor mask = maskInput(ctx, "mask");
        const int64_t h = mask.size(1), w = mask.size(2), x = ctx.getInt("x"), y = ctx.getInt("y");
        if (x >= w || y >= h)
            ctx.fail("(" + std::to_string(x) + ", " + std::to_string(y) + ") is outside the " + std::to_string(w) + "x" +
                     std::to_string(h) + " mask: nothing is left to crop; use x < " + std::to_string(w) +
                     " and y < " + std::to_string(h));
        const int64_t toX = std::min(w, x + ctx.getInt("width")), toY = std::min(h, y + ctx.getInt("height"));
        return std::vector<Value>{maskValue(mask.slice(1, y, toY).slice(2, x, toX).clone())};
    };
    return d;
}

NodeDecl invertMask() {
    NodeDecl d = makeDecl("InvertMask", "InvertMask", "mask", "1 - mask.");
    d.inputs = {port("mask", "MASK")};
    d.outputs = {output("MASK", "MASK")};
    d.run = [](NodeContext& ctx) { return std::vector<Value>{maskValue(1.0 - maskInput(ctx, "mask"))}; };
    return d;
}

// ComfyUI repeats a 3x3 grey dilation (erosion when shrinking) |expand| times; the kernel is a
// cross with tapered corners, a square without. Pixels outside the mask never win, which is what
// scipy's default 'reflect' border amounts to for a 3x3 window.
at::Tensor growMask(const at::Tensor& masks, int64_t expand, bool tapered) {
    if (expand == 0) return masks.clone();
    const cv::Mat kernel = cv::getStructuringElement(tapered ? cv::MORPH_CROSS : cv::MORPH_RECT, cv::Size(3, 3));
    std::vector<at::Tensor> out;
    for (int64_t i = 0; i < masks.size(0); ++i) {
        const cv::Mat m = tensorToMat(masks[i]);
        cv::Mat grown;
        if (expand > 0)
            cv::dilate(m, grown, kernel, cv::Point(-1, -1), int(expand));
        else
            cv::erode(m, grown, kernel, cv::Point(-1, -1), int(-expand));
        out.push_back(matToTensor(grown));
    }
    return at::stack(out);
}

NodeDecl growMaskDecl() {
    NodeDecl d = makeDecl("GrowMask", "Grow Mask", "mask",
                          "Grows the mask by `expand` pixels (a negative value shrinks it). tapered_corners rounds "
                          "the corners off.");
    d.inputs = {port("mask", "MASK"), intInput("expand", 0, -kMaxResolution, kMaxResolution),
                boolInput("tapered_corners", true)};
    d.outputs = {output("MASK", "MASK")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor mask = maskInput(ctx, "mask");
        return std::vector<Value>{maskValue(growMask(mask, ctx.getInt("expand"), ctx.getBool("tapered_corners")))};
    };
    return d;
}

// ComfyUI's loops, quirks included: the right and bottom loops index with -x, so step 0 scales
// the first column/row (not the last) by 1/right, and the last one gets 2/right.
at::Tensor featherMask(at::Tensor out, int64_t left, int64_t top, int64_t right, int64_t bottom) {
    const int64_t h = out.size(1), w = out.size(2);
    left = std::min(left, w), right = std::min(right, w);
    top = std::min(top, h), bottom = std::min(bottom, h);
    const auto wrap = [](int64_t negIndex, int64_t size) { return negIndex == 0 ? 0 : size - negIndex; };
    for (int64_t x = 0; x < left; ++x) out.select(2, x).mul_((x + 1.0) / double(left));
    for (int64_t x = 0; x < right; ++x) out.select(2, wrap(x, w)).mul_((x + 1.0) / double(right));
    for (int64_t y = 0; y < top; ++y) out.select(1, y).mul_((y + 1.0) / double(top));
    for (int64_t y = 0; y < bottom; ++y) out.select(1, wrap(y, h)).mul_((y + 1.0) / double(bottom));
    return out;
}

NodeDecl featherMaskDecl() {
    NodeDecl d = makeDecl("FeatherMask", "FeatherMask", "mask",
                          "Fades the mask linearly to 0 over the given number of pixels at each edge (ComfyUI's "
                          "formula, which also scales the first column/row when right/bottom is set).");
    d.inputs = {port("mask", "MASK"), intInput("left", 0, 0, kMaxResolution), intInput("top", 0, 0, kMaxResolution),
                intInput("right", 0, 0, kMaxResolution), intInput("bottom", 0, 0, kMaxResolution)};
    d.outputs = {output("MASK", "MASK")};
    d.run = [](NodeContext& ctx) {
        at::Tensor mask = maskInput(ctx, "mask").clone();
        return std::vector<Value>{maskValue(featherMask(mask, ctx.getInt("left"), ctx.getInt("top"),
                                                        ctx.getInt("right"), ctx.getInt("bottom")))};
    };
    return d;
}

NodeDecl thresholdMask() {
    NodeDecl d = makeDecl("ThresholdMask", "ThresholdMask", "mask", "1 where the mask is above `value`, 0 elsewhere.");
    d.inputs = {port("mask", "MASK"), floatInput("value", 0.5, 0.0, 1.0, 0.01)};
    d.outputs = {output("MASK", "MASK")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor mask = maskInput(ctx, "mask");
        return std::vector<Value>{maskValue(mask.gt(ctx.getFloat("value")).to(at::kFloat))};
    };
    return d;
}

// ComfyUI's MaskComposite: the source's top-left corner goes to (x, y) of the destination, what
// falls outside is clipped, and the whole result is clamped to 0..1. The logical operations
// round both masks to 0/1 first.
at::Tensor compositeMasks(const NodeContext& ctx, const at::Tensor& destination, const at::Tensor& source, int64_t x,
                          int64_t y, const std::string& operation) {
    at::Tensor out = destination.clone();
    const int64_t width = std::min(source.size(2), destination.size(2) - x);
    const int64_t height = std::min(source.size(1), destination.size(1) - y);
    if (width <= 0 || height <= 0) return out.clamp(0.0, 1.0);
    if (source.size(0) != 1 && source.size(0) != destination.size(0))
        ctx.fail("the source has " + std::to_string(source.size(0)) + " masks but the destination has " +
                 std::to_string(destination.size(0)) + "; use one source mask or one per destination mask");
    at::Tensor dst = out.narrow(1, y, height).narrow(2, x, width);
    const at::Tensor src = source.narrow(1, 0, height).narrow(2, 0, width);
    const auto bits = [](const at::Tensor& t) { return t.round().to(at::kBool); };
    at::Tensor result;
    if (operation == "multiply") result = dst * src;
    else if (operation == "add") result = dst + src;
    else if (operation == "subtract") result = dst - src;
    else if (operation == "and") result = at::logical_and(bits(dst), bits(src)).to(at::kFloat);
    else if (operation == "or") result = at::logical_or(bits(dst), bits(src)).to(at::kFloat);
    else if (operation == "xor") result = at::logical_xor(bits(dst), bits(src)).to(at::kFloat);
    else ctx.fail("unknown operation '" + operation + "'; use multiply, add, subtract, and, or or xor");
    dst.copy_(result.expand_as(dst));
    return out.clamp(0.0, 1.0);
}

NodeDecl maskComposite() {
    NodeDecl d = makeDecl("MaskComposite", "MaskComposite", "mask",
                          "Combines `source` into `destination` with its top-left corner at (x, y): multiply, add, "
                          "subtract, or the logical and/or/xor of the masks rounded to 0/1. The part of the source "
                          "outside the destination is dropped; the result is clamped to 0..1.");
    d.inputs = {port("destination", "MASK"), port("source", "MASK"), intInput("x", 0, 0, kMaxResolution),
                intInput("y", 0, 0, kMaxResolution),
                comboInput("operation", {"multiply", "add", "subtract", "and", "or", "xor"})};
    d.outputs = {output("MASK", "MASK")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor destination = maskInput(ctx, "destination");
        const at::Tensor source = maskInput(ctx, "source");
        return std::vector<Value>{maskValue(compositeMasks(ctx, destination, source, ctx.getInt("x"), ctx.getInt("y"),
                                                           ctx.getString("operation")))};
    };
    return d;
}

}  // namespace

void registerMaskNodes(Registry& registry) {
    for (NodeDecl d : {loadImageMask(), maskToImage(), imageToMask(), imageColorToMask(), solidMask(), invertMask(), cropMask(),
                       growMaskDecl(), featherMaskDecl(),
                       thresholdMask(), maskComposite(), paintedMaskDecl(), paintedSketchDecl()})
        registry.add(std::move(d));
}

}  // namespace tessera::nodes
