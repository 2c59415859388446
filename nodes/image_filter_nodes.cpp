// ComfyUI's post-processing filters: ImageBlur and ImageSharpen (comfy_extras/nodes_post_processing.py), each a
// per-channel convolution with ComfyUI's kernel over the image reflected at its edges, and Morphology
// (nodes_morphology.py: kornia's grey-level morphology with a square of ones, edges ignored).
#include "nodes/builtin_nodes.h"
#include "nodes/decl_helpers.h"
#include "nodes/image_node_support.h"

#include <ATen/ATen.h>

#include <limits>

namespace tessera::nodes {
namespace {

// ComfyUI's gaussian_kernel: exp(-d^2 / (2 sigma^2)) on a size x size grid spanning -1..1 on both axes (not
// pixel offsets), normalised to sum 1.
at::Tensor unitGridGaussian(int64_t size, double sigma) {
    const at::Tensor axis = at::linspace(-1.0, 1.0, size, at::kFloat);
    const auto grid = at::meshgrid({axis, axis}, "ij");
    const at::Tensor d = at::sqrt(grid[0] * grid[0] + grid[1] * grid[1]);
    const at::Tensor g = at::exp(-(d * d) / (2.0 * sigma * sigma));
    return g / g.sum();
}

// The image (NHWC) convolved channel by channel with `kernel` (odd size), reflected at its edges.
at::Tensor filterReflected(const NodeContext& ctx, const at::Tensor& image, const at::Tensor& kernel) {
    const int64_t radius = kernel.size(0) / 2, channels = image.size(3);
    if (radius >= image.size(1) || radius >= image.size(2))
        ctx.fail("the radius " + std::to_string(radius) + " reaches past the " + std::to_string(image.size(2)) + "x" +
                 std::to_string(image.size(1)) + " image's edge, where it is reflected; use a radius below " +
                 std::to_string(std::min(image.size(1), image.size(2))));
    const at::Tensor padded = at::reflection_pad2d(image.permute({0, 3, 1, 2}), {radius, radius, radius, radius});
    const at::Tensor weights = kernel.repeat({channels, 1, 1}).unsqueeze(1);
    return at::conv2d(padded, weights, at::Tensor(), at::IntArrayRef{1, 1}, at::IntArrayRef{0, 0}, at::IntArrayRef{1, 1}, channels)
        .permute({0, 2, 3, 1})
        .contiguous();
}

NodeDecl imageBlur() {
    NodeDecl d = makeDecl("ImageBlur", "Image Blur", "image/postprocessing",
                          "Gaussian blur over blur_radius pixels each way; sigma is measured in radii (1 = the kernel's "
                          "edge), as ComfyUI's kernel.");
    d.inputs = {port("image", "IMAGE"), intInput("blur_radius", 1, 1, 31), floatInput("sigma", 1.0, 0.1, 10.0, 0.1)};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor image = imageInput(ctx, "image");
        const int64_t radius = ctx.getInt("blur_radius");
        return std::vector<Value>{imageValue(filterReflected(ctx, image, unitGridGaussian(2 * radius + 1, ctx.getFloat("sigma"))))};
    };
    return d;
}

NodeDecl imageSharpen() {
    NodeDecl d = makeDecl("ImageSharpen", "Image Sharpen", "image/postprocessing",
                          "Unsharp mask: the image minus alpha x 10 times its Gaussian blur (sigma in radii), plus "
                          "that much of itself, clipped to 0..1.");
    d.inputs = {port("image", "IMAGE"), intInput("sharpen_radius", 1, 1, 31), floatInput("sigma", 1.0, 0.1, 10.0, 0.01),
                floatInput("alpha", 1.0, 0.0, 5.0, 0.01)};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor image = imageInput(ctx, "image");
        const int64_t radius = ctx.getInt("sharpen_radius");
        at::Tensor kernel = unitGridGaussian(2 * radius + 1, ctx.getFloat("sigma")) * -(ctx.getFloat("alpha") * 10);
        kernel[radius][radius] = kernel[radius][radius] - kernel.sum() + 1.0;
        return std::vector<Value>{imageValue(at::clamp(filterReflected(ctx, image, kernel), 0.0, 1.0))};
    };
    return d;
}

// kornia's dilation / erosion with a size x size square of ones and its default origin (size / 2, so an even square
// reaches one pixel further back than forward) and "geodesic" border: the max / min over the pixels inside the image.
at::Tensor dilate(const at::Tensor& nchw, int64_t size) {
    const int64_t before = size / 2, after = size - before - 1;
    const at::Tensor padded =
        at::constant_pad_nd(nchw, {before, after, before, after}, -std::numeric_limits<double>::infinity());
    return at::max_pool2d(padded, {size, size}, {1, 1});
}
at::Tensor erode(const at::Tensor& nchw, int64_t size) { return -dilate(-nchw, size); }

NodeDecl morphology() {
    NodeDecl d = makeDecl("Morphology", "ImageMorphology", "image/postprocessing",
                          "Grey-level morphology with a kernel_size square: erode (minimum), dilate (maximum), open, "
                          "close, gradient (dilate - erode), top_hat (image - open), bottom_hat (close - image).");
    d.inputs = {port("image", "IMAGE"),
                comboInput("operation", {"erode", "dilate", "open", "close", "gradient", "bottom_hat", "top_hat"}),
                intInput("kernel_size", 3, 3, 999)};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor x = imageInput(ctx, "image").permute({0, 3, 1, 2});
        const int64_t k = ctx.getInt("kernel_size");
        const std::string op = ctx.getString("operation");
        at::Tensor out;
        if (op == "erode") out = erode(x, k);
        else if (op == "dilate") out = dilate(x, k);
        else if (op == "open") out = dilate(erode(x, k), k);
        else if (op == "close") out = erode(dilate(x, k), k);
        else if (op == "gradient") out = dilate(x, k) - erode(x, k);
        else if (op == "top_hat") out = x - dilate(erode(x, k), k);
        else if (op == "bottom_hat") out = erode(dilate(x, k), k) - x;
        else ctx.fail("unknown operation '" + op + "'; use erode, dilate, open, close, gradient, bottom_hat or top_hat");
        return std::vector<Value>{imageValue(out.permute({0, 2, 3, 1}).contiguous())};
    };
    return d;
}

}  // namespace

void registerImageFilterNodes(Registry& registry) {
    registry.add(imageBlur());
    registry.add(imageSharpen());
    registry.add(morphology());
}

}  // namespace tessera::nodes
