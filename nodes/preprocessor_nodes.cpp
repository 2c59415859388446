// ControlNet preprocessors: Canny (ComfyUI's comfy_extras/nodes_canny.py inputs) and
// DepthEstimation (ONNX depth models from models/depth); the comfyui_controlnet_aux families
// (nodes/*_preprocessor_nodes.cpp) register from here too.
#include "nodes/builtin_nodes.h"
#include "nodes/decl_helpers.h"
#include "nodes/depth_estimation.h"
#include "nodes/image_convert.h"
#include "nodes/image_node_support.h"
#include "nodes/annotator_frame.h"
#include "nodes/preprocessor_routes.h"

#include <ATen/ATen.h>
#include <opencv2/imgproc.hpp>

#include <filesystem>

namespace tessera::nodes {
namespace {

constexpr const char* kCategory = "ControlNet preprocessors";

// ComfyUI runs kornia's canny: grey (0.299, 0.587, 0.114), 5x5 Gaussian blur with sigma 1,
// unnormalised 3x3 Sobel on 0..1 values, L2 magnitude, thresholds on that magnitude. OpenCV's
// Canny takes the same gradients as 16-bit integers, so they and the thresholds are scaled by
// kGradientScale (|Sobel| <= 4 on 0..1 images, so 4096 keeps them inside int16).
constexpr double kGradientScale = 4096.0;

at::Tensor cannyEdges(const at::Tensor& hwc, double low, double high) {
    cv::Mat grey, blurred, gx, gy, dx, dy, edges;
    cv::cvtColor(tensorToMat(hwc), grey, cv::COLOR_RGB2GRAY);
    cv::GaussianBlur(grey, blurred, cv::Size(5, 5), 1.0, 1.0, cv::BORDER_REFLECT_101);
    cv::Sobel(blurred, gx, CV_32F, 1, 0, 3, 1.0, 0.0, cv::BORDER_REPLICATE);
    cv::Sobel(blurred, gy, CV_32F, 0, 1, 3, 1.0, 0.0, cv::BORDER_REPLICATE);
    gx.convertTo(dx, CV_16S, kGradientScale);
    gy.convertTo(dy, CV_16S, kGradientScale);
    cv::Canny(dx, dy, edges, low * kGradientScale, high * kGradientScale, true);
    cv::Mat unit;
    edges.convertTo(unit, CV_32F, 1.0 / 255.0);
    return matToTensor(unit).unsqueeze(2).expand({-1, -1, 3});
}

NodeDecl canny() {
    NodeDecl d = makeDecl("Canny", "Canny", kCategory,
                          "White edges on black for a Canny ControlNet. Thresholds apply to the gradient magnitude "
                          "of the 0..1 grey image (as ComfyUI's Canny node): lower values find more edges.");
    d.inputs = {port("image", "IMAGE"), floatInput("low_threshold", 0.4, 0.01, 0.99, 0.01),
                floatInput("high_threshold", 0.8, 0.01, 0.99, 0.01)};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor images = imageInput(ctx, "image");
        const double low = ctx.getFloat("low_threshold"), high = ctx.getFloat("high_threshold");
        std::vector<at::Tensor> out;
        for (int64_t i = 0; i < images.size(0); ++i) {
            ctx.cancel().throwIfCancelled();
            out.push_back(cannyEdges(images[i], low, high));
        }
        return std::vector<Value>{imageValue(at::stack(out))};
    };
    return d;
}

std::string depthFolderHint(const NodeContext& ctx) {
    const auto& dirs = ctx.env().modelDirs;
    return dirs.empty() ? std::string("models/depth") : "models/depth, " + (std::filesystem::path(dirs.front()) / "depth").string();
}

NodeDecl depthEstimation() {
    NodeDecl d = makeDecl(
        "DepthEstimation", "Depth Estimation", kCategory,
        "Depth map (near = white) for a depth ControlNet, from an ONNX model in models/depth (MiDaS, DPT or Depth "
        "Anything exports taking a [1,3,H,W] float image). The image is scaled so its shorter side is `resolution`, "
        "each side rounded to a multiple of 14 when the file name contains depth_anything or dinov2, else of 32. "
        "Values are normalised with ImageNet's mean/std, or with 0.5/0.5 when the name contains dpt_ or beit. A "
        "name containing 'metric' marks a model whose output is a distance: it is inverted. The output is "
        "stretched to 0..1 and resized back to the image.");
    d.inputs = {port("image", "IMAGE"), modelFileInput("model_name", "depth"),
                intInput("resolution", 512, 14, kMaxResolution)};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor images = imageInput(ctx, "image");
        const std::string& name = ctx.getString("model_name");
        const std::string path = ctx.env().findModel("depth", name);
        if (path.empty())
            ctx.fail("depth model '" + name + "' not found; put an .onnx depth model in " + depthFolderHint(ctx));
        try {
            DepthModel model(path);
            const DepthModelRules rules = depthRulesFor(std::filesystem::path(name).filename().string());
            std::vector<at::Tensor> out;
            for (int64_t i = 0; i < images.size(0); ++i) {
                ctx.cancel().throwIfCancelled();
                ctx.progress(int(i), int(images.size(0)));
                out.push_back(model.estimate(images[i], ctx.getInt("resolution"), rules).unsqueeze(2).expand({-1, -1, 3}));
            }
            ctx.progress(int(images.size(0)), int(images.size(0)));
            return std::vector<Value>{imageValue(at::stack(out))};
        } catch (const Error& e) {
            ctx.fail(std::string(e.what()) + " (models folder: " + depthFolderHint(ctx) + ")");
        }
    };
    return d;
}

}  // namespace

void registerPreprocessorNodes(Registry& registry) {
    registry.add(canny());
    registry.add(depthEstimation());
    PreprocessorRoutes routes;
    addSketchPreprocessors(registry, routes);
    addTilePreprocessors(registry, routes);
    addNormalMapPreprocessors(registry, routes);
    addDepthPreprocessors(registry, routes);
    addSoftEdgePreprocessors(registry, routes);
    addLineartPreprocessors(registry, routes);
    addMlsdPreprocessor(registry, routes);
    addSemsegPreprocessors(registry, routes);
    addPosePreprocessors(registry, routes);
    routes.push_back({"Canny", [](const NodeContext& ctx, const at::Tensor& images, int64_t) {  // its own size
                          return annotateBatch(ctx, images, [](const at::Tensor& img) { return cannyEdges(img, 0.4, 0.8); });
                      }});
    addInpaintPreprocessor(registry);
    addAioPreprocessor(registry, std::move(routes));
}

}  // namespace tessera::nodes
