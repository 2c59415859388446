// A normal map from a depth map with the maths of comfyui_controlnet_aux's MiDaS-NormalMapPreprocessor:
// Sobel slopes of the depth, flat (0, 0) where the stretched depth is below bg_threshold, the
// constant `a` as the third component, normalised and drawn as 127.5 + 127.5 * n, in the channel
// order the normal ControlNets were trained on (red = a-component, green = vertical, blue = horizontal).
#include "nodes/annotator_frame.h"
#include "nodes/decl_helpers.h"
#include "nodes/image_node_support.h"
#include "nodes/preprocessor_routes.h"

#include <ATen/ATen.h>
#include <opencv2/imgproc.hpp>

#include <cmath>

namespace tessera::nodes {
namespace {

constexpr double kNormalDefaultA = 2.0 * M_PI;

// `depth` [H,W] float (larger = nearer), any scale -> 8-bit RGB normals.
cv::Mat normalsFromDepth(const cv::Mat& depth, double a, double bgThreshold) {
    cv::Mat sx, sy;
    cv::Sobel(depth, sx, CV_32F, 1, 0, 3);
    cv::Sobel(depth, sy, CV_32F, 0, 1, 3);
    double lo = 0, hi = 0;
    cv::minMaxLoc(depth, &lo, &hi);
    cv::Mat rgb(depth.size(), CV_8UC3);
    for (int y = 0; y < depth.rows; ++y)
        for (int x = 0; x < depth.cols; ++x) {
            const float stretched = (depth.at<float>(y, x) - float(lo)) / float(hi - lo);
            const bool background = stretched < float(bgThreshold);
            const float nx = background ? 0.0f : sx.at<float>(y, x), ny = background ? 0.0f : sy.at<float>(y, x);
            const float nz = float(a);
            const float len = std::sqrt(nx * nx + ny * ny + nz * nz);
            auto byte = [&](float n) { return uint8_t(std::clamp(n / len * 127.5f + 127.5f, 0.0f, 255.0f)); };
            rgb.at<cv::Vec3b>(y, x) = cv::Vec3b(byte(nz), byte(ny), byte(nx));
        }
    return rgb;
}

NodeDecl depthToNormalDecl() {
    NodeDecl d = makeDecl(
        "DepthToNormalMap", "Normal Map from Depth", "ControlNet Preprocessors/Normal and Depth Estimators",
        "Normals for a normal ControlNet from a depth map (near = white, e.g. Depth Estimation's output), with "
        "MiDaS-NormalMapPreprocessor's maths on the depth as 0..255 values: slopes from a 3x3 Sobel, flat where the "
        "depth (stretched to 0..1) is below bg_threshold; larger `a` flattens every slope.");
    d.inputs = {port("image", "IMAGE"), floatInput("a", kNormalDefaultA, 0.0, 5.0 * M_PI),
                floatInput("bg_threshold", 0.1, 0.0, 1.0)};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        const double a = ctx.getFloat("a"), bg = ctx.getFloat("bg_threshold");
        return std::vector<Value>{imageValue(annotateBatch(ctx, imageInput(ctx, "image"), [&](const at::Tensor& img) {
            const at::Tensor depth255 = img.select(2, 0).mul(255.0f).contiguous();
            return annotatorResult(normalsFromDepth(tensorToMat(depth255), a, bg));
        }))};
    };
    return d;
}

}  // namespace

void addNormalMapPreprocessors(Registry& registry, PreprocessorRoutes& /*routes*/) {
    registry.add(depthToNormalDecl());
}

}  // namespace tessera::nodes
