// Combining images, with ComfyUI's names, inputs and semantics (nodes.py, comfy_extras/nodes_mask.py,
// nodes_post_processing.py): ImageBatch, ImageBlend, ImageCompositeMasked.
#include "nodes/builtin_nodes.h"
#include "nodes/composite.h"
#include "nodes/decl_helpers.h"
#include "nodes/image_node_support.h"
#include "nodes/image_resize.h"
#include "nodes/latent_inputs.h"

#include <ATen/ATen.h>

namespace tessera::nodes {
namespace {

// NHWC `image` resized to `like`'s height and width, as ComfyUI's common_upscale with a centre crop.
at::Tensor resizedLike(const at::Tensor& image, const at::Tensor& like, const std::string& method) {
    if (image.size(1) == like.size(1) && image.size(2) == like.size(2)) return image;
    return commonUpscale(image.permute({0, 3, 1, 2}), like.size(2), like.size(1), method, "center").permute({0, 2, 3, 1});
}

NodeDecl imageBatch() {
    NodeDecl d = makeDecl("ImageBatch", "Batch Images", "image",
                          "Appends image2's batch to image1's; image2 is first resized (bilinear, centre crop) when "
                          "its size differs.");
    d.inputs = {port("image1", "IMAGE"), port("image2", "IMAGE")};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor a = imageInput(ctx, "image1");
        const at::Tensor b = resizedLike(imageInput(ctx, "image2"), a, "bilinear");
        return std::vector<Value>{imageValue(at::cat({a, b.contiguous()}))};
    };
    return d;
}

// ComfyUI's ImageBlend modes on 0..1 values.
at::Tensor blendMode(const NodeContext& ctx, const at::Tensor& a, const at::Tensor& b, const std::string& mode) {
    if (mode == "normal") return b;
    if (mode == "multiply") return a * b;
    if (mode == "screen") return 1.0 - (1.0 - a) * (1.0 - b);
    if (mode == "overlay") return at::where(a <= 0.5, 2.0 * a * b, 1.0 - 2.0 * (1.0 - a) * (1.0 - b));
    if (mode == "soft_light") {
        const at::Tensor g = at::where(a <= 0.25, ((16.0 * a - 12.0) * a + 4.0) * a, at::sqrt(a));
        return at::where(b <= 0.5, a - (1.0 - 2.0 * b) * a * (1.0 - a), a + (2.0 * b - 1.0) * (g - a));
    }
    if (mode == "difference") return a - b;
    ctx.fail("unknown blend_mode '" + mode + "'; use normal, multiply, screen, overlay, soft_light or difference");
}

NodeDecl imageBlend() {
    NodeDecl d = makeDecl("ImageBlend", "Image Blend", "image/postprocessing",
                          "Mixes image1 with image2 blended by the mode: image1 * (1 - blend_factor) + blended * "
                          "blend_factor, clamped to 0..1. image2 is resized (bicubic, centre crop) when its size differs.");
    d.inputs = {port("image1", "IMAGE"), port("image2", "IMAGE"), floatInput("blend_factor", 0.5, 0.0, 1.0),
                comboInput("blend_mode", {"normal", "multiply", "screen", "overlay", "soft_light", "difference"})};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor a = imageInput(ctx, "image1");
        const at::Tensor b = resizedLike(imageInput(ctx, "image2"), a, "bicubic");
        checkBatchesCombine(ctx, a.size(0), "image1", b.size(0), "image2");
        const double f = ctx.getFloat("blend_factor");
        const at::Tensor blended = blendMode(ctx, a, b, ctx.getString("blend_mode"));
        return std::vector<Value>{imageValue((a * (1.0 - f) + blended * f).clamp(0.0, 1.0).contiguous())};
    };
    return d;
}

NodeDecl imageCompositeMasked() {
    NodeDecl d = makeDecl("ImageCompositeMasked", "ImageCompositeMasked", "image",
                          "Pastes source into destination at (x, y) through the mask (all of it without one), "
                          "optionally resizing source to destination first.");
    d.inputs = {port("destination", "IMAGE"), port("source", "IMAGE"), intInput("x", 0, 0, kMaxResolution),
                intInput("y", 0, 0, kMaxResolution), boolInput("resize_source", false), port("mask", "MASK", true)};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor destination = imageInput(ctx, "destination").permute({0, 3, 1, 2});
        const at::Tensor source = imageInput(ctx, "source").permute({0, 3, 1, 2});
        const at::Tensor mask = ctx.has("mask") ? maskInput(ctx, "mask") : at::Tensor();
        const at::Tensor out =
            compositeInto(destination, source, ctx.getInt("x"), ctx.getInt("y"), mask, 1, ctx.getBool("resize_source"));
        return std::vector<Value>{imageValue(out.permute({0, 2, 3, 1}).contiguous())};
    };
    return d;
}

}  // namespace

void registerImageComposeNodes(Registry& registry) {
    registry.add(imageBatch());
    registry.add(imageBlend());
    registry.add(imageCompositeMasked());
}

}  // namespace tessera::nodes
