// Transparency with ComfyUI's names, inputs and semantics (comfy_extras/nodes_compositing.py): SplitImageWithAlpha,
// JoinImageWithAlpha and PorterDuffImageComposite. A MASK is ComfyUI's "1 = transparent", so alpha = 1 - mask.
#include "nodes/builtin_nodes.h"
#include "nodes/composite.h"
#include "nodes/decl_helpers.h"
#include "nodes/image_node_support.h"
#include "nodes/image_resize.h"

#include <ATen/ATen.h>

#include <algorithm>

namespace tessera::nodes {
namespace {

NodeDecl splitImageWithAlpha() {
    NodeDecl d = makeDecl("SplitImageWithAlpha", "Split Image with Alpha", "mask/compositing",
                          "The RGB of an image and its transparency as a MASK (1 - alpha; all 0 without alpha).");
    d.inputs = {port("image", "IMAGE")};
    d.outputs = {output("IMAGE", "IMAGE"), output("MASK", "MASK")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor image = imageWithAlphaInput(ctx, "image");
        const at::Tensor alpha = image.size(3) > 3 ? image.select(3, 3) : at::ones_like(image.select(3, 0));
        return std::vector<Value>{imageValue(image.narrow(3, 0, 3).contiguous()), maskValue(1.0 - alpha)};
    };
    return d;
}

NodeDecl joinImageWithAlpha() {
    NodeDecl d = makeDecl("JoinImageWithAlpha", "Join Image with Alpha", "mask/compositing",
                          "An RGBA image from the RGB and a MASK as its transparency (alpha = 1 - mask), the mask "
                          "resized to the image (bilinear) and both batches repeated to the larger. Save Image writes "
                          "it as a transparent PNG.");
    d.inputs = {port("image", "IMAGE"), port("alpha", "MASK")};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        at::Tensor image = imageInput(ctx, "image");
        at::Tensor mask = maskInput(ctx, "alpha");
        const int64_t batch = std::max(image.size(0), mask.size(0));
        image = repeatToBatch(image, batch);
        mask = at::upsample_bilinear2d(repeatToBatch(mask, batch).unsqueeze(1), {image.size(1), image.size(2)}, false).squeeze(1);
        return std::vector<Value>{imageValue(at::cat({image, (1.0 - mask).unsqueeze(-1)}, -1))};
    };
    return d;
}

const std::vector<std::string> kPorterDuffModes = {"ADD",      "CLEAR",    "DARKEN",  "DST",      "DST_ATOP", "DST_IN",
                                                   "DST_OUT",  "DST_OVER", "LIGHTEN", "MULTIPLY", "OVERLAY",  "SCREEN",
                                                   "SRC",      "SRC_ATOP", "SRC_IN",  "SRC_OUT",  "SRC_OVER", "XOR"};

// nodes_compositing.py's porter_duff_composite on [H,W,C] images and [H,W,1] alphas (premultiplied inside):
// returns the image and its alpha. Its formulas, where they differ from the textbook ones, are kept.
std::pair<at::Tensor, at::Tensor> porterDuff(const at::Tensor& srcImage, const at::Tensor& srcAlpha, const at::Tensor& dstImage,
                                             const at::Tensor& dstAlpha, const std::string& mode) {
    const at::Tensor& sa = srcAlpha;
    const at::Tensor& da = dstAlpha;
    const at::Tensor s = srcImage * sa, d = dstImage * da;
    const at::Tensor union_ = sa + da - sa * da;
    at::Tensor a, o;
    if (mode == "ADD") a = at::clamp(sa + da, 0, 1), o = at::clamp(s + d, 0, 1);
    else if (mode == "CLEAR") a = at::zeros_like(da), o = at::zeros_like(d);
    else if (mode == "DARKEN") a = union_, o = (1 - da) * s + (1 - sa) * d + at::minimum(s, d);
    else if (mode == "DST") a = da, o = d;
    else if (mode == "DST_ATOP") a = sa, o = sa * d + (1 - da) * s;
    else if (mode == "DST_IN") a = sa * da, o = d * sa;
    else if (mode == "DST_OUT") a = (1 - sa) * da, o = (1 - sa) * d;
    else if (mode == "DST_OVER") a = da + (1 - da) * sa, o = d + (1 - da) * s;
    else if (mode == "LIGHTEN") a = union_, o = (1 - da) * s + (1 - sa) * d + at::maximum(s, d);
    else if (mode == "MULTIPLY") a = sa * da, o = s * d;
    else if (mode == "OVERLAY") a = union_, o = at::where(2 * d < da, 2 * s * d, sa * da - 2 * (da - s) * (sa - d));
    else if (mode == "SCREEN") a = union_, o = s + d - s * d;
    else if (mode == "SRC") a = sa, o = s;
    else if (mode == "SRC_ATOP") a = da, o = da * s + (1 - sa) * d;
    else if (mode == "SRC_IN") a = sa * da, o = s * da;
    else if (mode == "SRC_OUT") a = (1 - da) * sa, o = (1 - da) * s;
    else if (mode == "SRC_OVER") a = sa + (1 - sa) * da, o = s + (1 - sa) * d;
    else a = (1 - da) * sa + (1 - sa) * da, o = (1 - da) * s + (1 - sa) * d;  // XOR
    o = at::clamp(at::where(a > 1e-5, o / a, at::zeros_like(o)), 0, 1);
    return {o, a};
}

// One [H,W,C] image or [H,W,1] alpha resized as ComfyUI does here: bicubic to the size, the centre cropped to its shape.
at::Tensor resizedLike(const at::Tensor& hwc, int64_t height, int64_t width) {
    return commonUpscale(hwc.permute({2, 0, 1}).unsqueeze(0), width, height, "bicubic", "center")[0].permute({1, 2, 0});
}

NodeDecl porterDuffImageComposite() {
    NodeDecl d = makeDecl("PorterDuffImageComposite", "Porter-Duff Image Composite", "mask/compositing",
                          "Composites source over destination by a Porter-Duff mode, each with its transparency mask; "
                          "the source is resized to the destination. Gives the image and its transparency mask.");
    d.inputs = {port("source", "IMAGE"), port("source_alpha", "MASK"), port("destination", "IMAGE"),
                port("destination_alpha", "MASK"), comboInput("mode", kPorterDuffModes, "DST")};
    d.outputs = {output("IMAGE", "IMAGE"), output("MASK", "MASK")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor source = imageInput(ctx, "source"), destination = imageInput(ctx, "destination");
        const at::Tensor sourceMask = maskInput(ctx, "source_alpha"), destinationMask = maskInput(ctx, "destination_alpha");
        const std::string mode = ctx.getString("mode");
        if (std::find(kPorterDuffModes.begin(), kPorterDuffModes.end(), mode) == kPorterDuffModes.end())
            ctx.fail("unknown mode '" + mode + "'");
        // ComfyUI composites the first images of each, as many as the shortest input has.
        const int64_t batch = std::min({source.size(0), sourceMask.size(0), destination.size(0), destinationMask.size(0)});
        std::vector<at::Tensor> images, alphas;
        for (int64_t i = 0; i < batch; ++i) {
            at::Tensor src = source[i], dst = destination[i];
            at::Tensor srcAlpha = sourceMask[i].unsqueeze(2), dstAlpha = destinationMask[i].unsqueeze(2);
            const int64_t h = dst.size(0), w = dst.size(1);
            if (dstAlpha.size(0) != h || dstAlpha.size(1) != w) dstAlpha = resizedLike(dstAlpha, h, w);
            if (src.sizes() != dst.sizes()) src = resizedLike(src, h, w);
            if (srcAlpha.sizes() != dstAlpha.sizes()) srcAlpha = resizedLike(srcAlpha, dstAlpha.size(0), dstAlpha.size(1));
            auto [image, alpha] = porterDuff(src, 1.0 - srcAlpha, dst, 1.0 - dstAlpha, mode);
            images.push_back(image);
            alphas.push_back(1.0 - alpha.squeeze(2));
        }
        return std::vector<Value>{imageValue(at::stack(images)), maskValue(at::stack(alphas))};
    };
    return d;
}

}  // namespace

void registerImageAlphaNodes(Registry& registry) {
    registry.add(splitImageWithAlpha());
    registry.add(joinImageWithAlpha());
    registry.add(porterDuffImageComposite());
}

}  // namespace tessera::nodes
