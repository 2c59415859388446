#include "plugins/image_adjust/image_adjust_nodes.h"

#include "core/exec/node_context.h"
#include "nodes/decl_helpers.h"
#include "nodes/image_node_support.h"

#include <ATen/ATen.h>
#include <opencv2/imgproc.hpp>

namespace tessera::plugins::image_adjust {
namespace {

using nodes::floatInput;
using nodes::intInput;
using nodes::makeDecl;
using nodes::output;
using nodes::port;

// Rec. 601 luma, as ComfyUI's and PIL's saturation adjustments use.
at::Tensor luma(const at::Tensor& rgb) {
    const at::Tensor w = at::tensor({0.299f, 0.587f, 0.114f}, rgb.options());
    return (rgb * w).sum(-1, true);
}

NodeDecl adjustDecl() {
    NodeDecl d = makeDecl("ImageAdjust", "Adjust Image", "image/adjust",
                          "Brightness (added), contrast (around mid-grey), saturation (around luma) and gamma.");
    d.inputs = {port("image", "IMAGE"), floatInput("brightness", 0, -1, 1), floatInput("contrast", 1, 0, 3),
                floatInput("saturation", 1, 0, 3), floatInput("gamma", 1, 0.1, 5)};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor out = adjust(nodes::imageInput(ctx, "image"), ctx.getFloat("brightness"),
                                      ctx.getFloat("contrast"), ctx.getFloat("saturation"), ctx.getFloat("gamma"));
        return std::vector<Value>{nodes::imageValue(out)};
    };
    return d;
}

NodeDecl blurDecl() {
    NodeDecl d = makeDecl("GaussianBlur", "Gaussian Blur", "image/adjust",
                          "Gaussian blur with a (2*radius+1) kernel, sigma in pixels.");
    d.inputs = {port("image", "IMAGE"), intInput("blur_radius", 1, 1, 31), floatInput("sigma", 1, 0.1, 10, 0.1)};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor out = gaussianBlur(nodes::imageInput(ctx, "image"), int(ctx.getInt("blur_radius")),
                                            ctx.getFloat("sigma"));
        return std::vector<Value>{nodes::imageValue(out)};
    };
    return d;
}

NodeDecl sharpenDecl() {
    NodeDecl d = makeDecl("UnsharpMask", "Unsharp Mask", "image/adjust",
                          "Unsharp mask: the image plus alpha times its difference from a Gaussian blur.");
    d.inputs = {port("image", "IMAGE"), intInput("sharpen_radius", 1, 1, 31), floatInput("sigma", 1, 0.1, 10, 0.1),
                floatInput("alpha", 1, 0, 5, 0.05)};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor out = unsharpMask(nodes::imageInput(ctx, "image"), int(ctx.getInt("sharpen_radius")),
                                           ctx.getFloat("sigma"), ctx.getFloat("alpha"));
        return std::vector<Value>{nodes::imageValue(out)};
    };
    return d;
}

}  // namespace

at::Tensor adjust(const at::Tensor& image, double brightness, double contrast, double saturation, double gamma) {
    at::Tensor x = (image - 0.5) * contrast + 0.5 + brightness;
    const at::Tensor grey = luma(x);
    x = grey + (x - grey) * saturation;
    x = x.clamp(0, 1);
    return gamma == 1.0 ? x : x.pow(1.0 / gamma);
}

at::Tensor gaussianBlur(const at::Tensor& image, int radius, double sigma) {
    const at::Tensor in = image.contiguous();
    at::Tensor out = at::empty_like(in);
    const int size = 2 * radius + 1;
    for (int64_t b = 0; b < in.size(0); ++b) {
        cv::Mat src(int(in.size(1)), int(in.size(2)), CV_32FC3, in[b].data_ptr<float>());
        cv::Mat dst(int(in.size(1)), int(in.size(2)), CV_32FC3, out[b].data_ptr<float>());
        cv::GaussianBlur(src, dst, cv::Size(size, size), sigma, sigma, cv::BORDER_REFLECT_101);
    }
    return out;
}

at::Tensor unsharpMask(const at::Tensor& image, int radius, double sigma, double amount) {
    return (image + (image - gaussianBlur(image, radius, sigma)) * amount).clamp(0, 1);
}

std::vector<NodeDecl> nodeDecls() { return {adjustDecl(), blurDecl(), sharpenDecl()}; }

}  // namespace tessera::plugins::image_adjust
