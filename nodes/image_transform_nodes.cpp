// Image transforms with ComfyUI's names, inputs and semantics (comfy_extras/nodes_images.py): ImageFlip,
// ImageRotate, RepeatImageBatch, GetImageSize, ResizeAndPadImage, ImageStitch, ImageAddNoise.
#include "core/engine/sampling/noise.h"
#include "nodes/builtin_nodes.h"
#include "nodes/decl_helpers.h"
#include "nodes/image_node_support.h"
#include "nodes/image_resize.h"
#include "nodes/memory_estimates.h"
#include "nodes/transform_choices.h"

#include <ATen/ATen.h>

#include <algorithm>

namespace tessera::nodes {
namespace {

// ComfyUI's image tensors are NHWC; its resizes take NCHW.
at::Tensor resizeImage(const at::Tensor& nhwc, int64_t width, int64_t height, const std::string& method) {
    return commonUpscale(nhwc.permute({0, 3, 1, 2}), width, height, method, "disabled").permute({0, 2, 3, 1}).contiguous();
}

NodeDecl imageFlip() {
    NodeDecl d = makeDecl("ImageFlip", "Flip Image", "image/transform",
                          "x-axis flips the image upside down, y-axis mirrors it left to right.");
    d.inputs = {port("image", "IMAGE"), comboInput("flip_method", kFlipMethods)};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor image = imageInput(ctx, "image");
        const std::string method = ctx.getString("flip_method");
        return std::vector<Value>{imageValue(flipsRows(method) ? image.flip({1}) : flipsColumns(method) ? image.flip({2}) : image)};
    };
    return d;
}

NodeDecl imageRotate() {
    NodeDecl d = makeDecl("ImageRotate", "Rotate Image", "image/transform", "Rotates the image clockwise.");
    d.inputs = {port("image", "IMAGE"), comboInput("rotation", kRotations)};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        const int64_t k = quarterTurns(ctx.getString("rotation"));
        return std::vector<Value>{imageValue(at::rot90(imageInput(ctx, "image"), k, {2, 1}).contiguous())};
    };
    return d;
}

NodeDecl repeatImageBatch() {
    NodeDecl d = makeDecl("RepeatImageBatch", "Repeat Image Batch", "image/batch",
                          "Repeats the whole batch `amount` times.");
    d.inputs = {port("image", "IMAGE"), intInput("amount", 1, 1, 4096)};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor image = imageInput(ctx, "image");
        const int64_t amount = ctx.getInt("amount");
        requireImageBatchMemory(ctx, image.size(0) * amount, image.size(1), image.size(2));
        return std::vector<Value>{imageValue(image.repeat({amount, 1, 1, 1}))};
    };
    return d;
}

NodeDecl getImageSize() {
    NodeDecl d = makeDecl("GetImageSize", "Get Image Size", "image",
                          "The image's width and height in pixels and its batch size, to feed size widgets.");
    d.inputs = {port("image", "IMAGE")};
    d.outputs = {output("width", "INT"), output("height", "INT"), output("batch_size", "INT")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor image = imageInput(ctx, "image");
        return std::vector<Value>{Value(image.size(2)), Value(image.size(1)), Value(image.size(0))};
    };
    return d;
}

NodeDecl resizeAndPadImage() {
    NodeDecl d = makeDecl("ResizeAndPadImage", "Resize And Pad Image", "image/transform",
                          "Fits the image inside target_width x target_height keeping its aspect ratio, centred on "
                          "white or black.");
    d.inputs = {port("image", "IMAGE"),
                intInput("target_width", 512, 1, kMaxResolution),
                intInput("target_height", 512, 1, kMaxResolution),
                comboInput("padding_color", {"white", "black"}),
                comboInput("interpolation", {"area", "bicubic", "nearest-exact", "bilinear", "lanczos"})};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor image = imageInput(ctx, "image");
        const int64_t targetW = ctx.getInt("target_width"), targetH = ctx.getInt("target_height");
        const int64_t h = image.size(1), w = image.size(2);
        // ComfyUI truncates orig * (target / orig) in double precision.
        const double scale = std::min(double(targetW) / double(w), double(targetH) / double(h));
        const auto newW = static_cast<int64_t>(double(w) * scale), newH = static_cast<int64_t>(double(h) * scale);
        if (newW < 1 || newH < 1)
            ctx.fail("the " + std::to_string(w) + "x" + std::to_string(h) + " image shrinks below one pixel in " +
                     std::to_string(targetW) + "x" + std::to_string(targetH) + "; choose a target closer to its shape");
        requireImageBatchMemory(ctx, image.size(0), targetH, targetW);
        const at::Tensor resized = resizeImage(image, newW, newH, ctx.getString("interpolation"));
        at::Tensor out = at::full({image.size(0), targetH, targetW, 3}, ctx.getString("padding_color") == "black" ? 0.0 : 1.0,
                                  at::kFloat);
        out.narrow(1, (targetH - newH) / 2, newH).narrow(2, (targetW - newW) / 2, newW).copy_(resized);
        return std::vector<Value>{imageValue(out)};
    };
    return d;
}

// The smaller batch grows to the larger by repeating its last image, as ImageStitch does.
at::Tensor padBatchWithLast(const at::Tensor& image, int64_t batch) {
    if (image.size(0) >= batch) return image;
    return at::cat({image, image.narrow(0, image.size(0) - 1, 1).repeat({batch - image.size(0), 1, 1, 1})});
}

// `image` centred in `size` rows (dim 1) or columns (dim 2) of `value`, the shorter side split as ComfyUI does.
at::Tensor padCentred(const at::Tensor& image, int64_t dim, int64_t size, double value) {
    const int64_t pad = size - image.size(dim);
    if (pad <= 0) return image;
    std::vector<int64_t> shape(image.sizes().begin(), image.sizes().end());
    shape[size_t(dim)] = size;
    at::Tensor out = at::full(shape, value, image.options());
    out.narrow(dim, pad / 2, image.size(dim)).copy_(image);
    return out;
}

NodeDecl imageStitch() {
    NodeDecl d = makeDecl("ImageStitch", "Image Stitch", "image/transform",
                          "Puts image2 beside image1 (right, down, left or up), optionally resizing image2 to "
                          "image1's height or width (lanczos), with a coloured gap between them.");
    d.inputs = {port("image1", "IMAGE"),
                comboInput("direction", {"right", "down", "left", "up"}),
                boolInput("match_image_size", true),
                intInput("spacing_width", 0, 0, 1024, 2),
                comboInput("spacing_color", {"white", "black", "red", "green", "blue"}),
                port("image2", "IMAGE", /*optional=*/true)};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        at::Tensor first = imageInput(ctx, "image1");
        if (!ctx.has("image2")) return std::vector<Value>{imageValue(first)};
        at::Tensor second = imageInput(ctx, "image2");
        const int64_t batch = std::max(first.size(0), second.size(0));
        first = padBatchWithLast(first, batch);
        second = padBatchWithLast(second, batch);

        const std::string direction = ctx.getString("direction");
        const bool sideways = direction == "right" || direction == "left";
        const int64_t along = sideways ? 2 : 1, across = sideways ? 1 : 2;  // concatenated / matched dims
        const std::string color = ctx.getString("spacing_color");
        if (ctx.getBool("match_image_size")) {
            const double aspect = double(second.size(2)) / double(second.size(1));
            const int64_t h = sideways ? first.size(1) : static_cast<int64_t>(double(first.size(2)) / aspect);
            const int64_t w = sideways ? static_cast<int64_t>(double(first.size(1)) * aspect) : first.size(2);
            if (w < 1 || h < 1) ctx.fail("image2 resized to image1's size would be empty; turn match_image_size off");
            second = resizeImage(second, w, h, "lanczos");
        } else {
            // ComfyUI pads with the colour where it is grey (white, black) and with black otherwise.
            const double value = color == "white" ? 1.0 : 0.0;
            const int64_t size = std::max(first.size(across), second.size(across));
            first = padCentred(first, across, size, value);
            second = padCentred(second, across, size, value);
        }

        std::vector<at::Tensor> parts = {first, second};
        if (direction == "left" || direction == "up") std::swap(parts[0], parts[1]);
        if (int64_t spacing = ctx.getInt("spacing_width"); spacing > 0) {
            spacing += spacing % 2;
            std::vector<int64_t> shape = {batch, first.size(1), first.size(2), 3};
            shape[size_t(along)] = spacing;
            const double rgb[3] = {color == "white" || color == "red" ? 1.0 : 0.0,
                                   color == "white" || color == "green" ? 1.0 : 0.0,
                                   color == "white" || color == "blue" ? 1.0 : 0.0};
            at::Tensor gap = at::empty(shape, at::kFloat);
            for (int64_t c = 0; c < 3; ++c) gap.select(3, c).fill_(rgb[c]);
            parts.insert(parts.begin() + 1, gap);
        }
        int64_t outH = 0, outW = 0;
        for (const auto& p : parts) (sideways ? outW : outH) += p.size(along);
        (sideways ? outH : outW) = first.size(across);
        requireImageBatchMemory(ctx, batch, outH, outW);
        return std::vector<Value>{imageValue(at::cat(parts, along))};
    };
    return d;
}

NodeDecl imageAddNoise() {
    NodeDecl d = makeDecl("ImageAddNoise", "Add Noise to Image", "image",
                          "Adds Gaussian noise times strength (the seed's torch.randn, as ComfyUI draws it), clipped "
                          "to 0..1.");
    d.inputs = {port("image", "IMAGE"), seedInput("seed"), floatInput("strength", 0.5, 0.0, 1.0, 0.01)};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor image = imageInput(ctx, "image");
        const at::Tensor noise = engine::prepareNoise(ctx.getInt("seed"), image.sizes());
        return std::vector<Value>{
            imageValue(at::clamp(image + static_cast<float>(ctx.getFloat("strength")) * noise, 0.0, 1.0))};
    };
    return d;
}

}  // namespace

void registerImageTransformNodes(Registry& registry) {
    for (NodeDecl d : {imageFlip(), imageRotate(), repeatImageBatch(), getImageSize(), resizeAndPadImage(), imageStitch(),
                       imageAddNoise()})
        registry.add(std::move(d));
}

}  // namespace tessera::nodes
