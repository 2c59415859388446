// comfyui_controlnet_aux's depth and normal preprocessors by the names workflows use, each reading
// one ONNX export from models/preprocessors (the pack downloads its own weights and has no model
// input). The network sees the annotator frame (annotator_frame.h), its raw output is resized
// (cubic) to the frame, then the pack's own post-processing runs:
//   MiDaS depth:   (d - min) / (max - min) * 255, truncated to bytes;
//   MiDaS normals: 3x3 Sobel slopes of the raw depth, zero where the normalised depth < bg_threshold,
//                  the constant `a` as third component, normalised, 127.5 + 127.5 * n, in the
//                  order (a, vertical, horizontal) as red, green, blue;
//   Zoe:           2nd and 85th percentiles to 0 and 1, inverted (near = white), clipped;
//   Depth Anything (V1, V2): like MiDaS depth; the network input is resized so both sides are at
//                  least 518 and multiples of 14, normalised with ImageNet's mean/std.
#include "nodes/annotator_frame.h"
#include "nodes/decl_helpers.h"
#include "nodes/image_node_support.h"
#include "nodes/onnx_annotator.h"
#include "nodes/preprocessor_routes.h"

#include "core/common/error.h"

#include <ATen/ATen.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <vector>

namespace tessera::nodes {
namespace {

constexpr const char* kDepthCategory = "ControlNet Preprocessors/Normal and Depth Estimators";
constexpr const char* kMidasFile = "dpt_hybrid-midas-501f0c75.onnx";
constexpr const char* kZoeFile = "ZoeD_M12_N.onnx";
constexpr int kDepthAnythingSide = 518;
constexpr double kMidasDefaultA = 2.0 * M_PI;

// The network's first output map for `input`, resized to `size`.
cv::Mat depthOutputAt(AnnotatorNet& net, const cv::Mat& input, const BlobNormalisation& n, cv::Size size) {
    const cv::Mat out = firstMap(net.forward(annotatorBlob(input, n), true).front());
    if (out.size() == size) return out.clone();
    cv::Mat sized;
    cv::resize(out, sized, size, 0, 0, cv::INTER_CUBIC);
    return sized;
}

// (d - sub) / div, or 1 minus that, per element in float32 (as numpy; OpenCV's matrix division
// multiplies by the reciprocal, which can round differently).
cv::Mat depthAffine(const cv::Mat& depth, float sub, float div, bool inverted) {
    cv::Mat out(depth.size(), CV_32F);
    for (int y = 0; y < depth.rows; ++y)
        for (int x = 0; x < depth.cols; ++x) {
            const float v = (depth.at<float>(y, x) - sub) / div;
            out.at<float>(y, x) = inverted ? 1.0f - v : v;
        }
    return out;
}

// (d - min) / (max - min) in float32, as the pack computes it; zeros for a constant map.
cv::Mat depthStretched(const cv::Mat& depth) {
    double lo = 0, hi = 0;
    cv::minMaxLoc(depth, &lo, &hi);
    const float range = float(hi) - float(lo);
    if (!(range > 0.0f)) return cv::Mat::zeros(depth.size(), CV_32F);
    return depthAffine(depth, float(lo), range, false);
}

// 0..1 float -> bytes: (v * 255) clipped and truncated (numpy's astype(uint8)).
cv::Mat depthBytes(const cv::Mat& unit) {
    cv::Mat bytes(unit.size(), CV_8U);
    for (int y = 0; y < unit.rows; ++y)
        for (int x = 0; x < unit.cols; ++x)
            bytes.at<uint8_t>(y, x) = uint8_t(std::clamp(unit.at<float>(y, x) * 255.0f, 0.0f, 255.0f));
    return bytes;
}

BlobNormalisation midasNormalisation() {  // v / 127.5 - 1
    BlobNormalisation n;
    n.div = {127.5f, 127.5f, 127.5f};
    n.add = -1.0f;
    return n;
}

cv::Mat midasNormals(const cv::Mat& depth, double a, double bgThreshold) {
    const cv::Mat unit = depthStretched(depth);
    cv::Mat sx, sy;
    cv::Sobel(depth, sx, CV_32F, 1, 0, 3);
    cv::Sobel(depth, sy, CV_32F, 0, 1, 3);
    cv::Mat rgb(depth.size(), CV_8UC3);
    const float z = float(a);
    auto byte = [](float n) { return uint8_t(std::clamp(n * 127.5f + 127.5f, 0.0f, 255.0f)); };
    for (int y = 0; y < depth.rows; ++y)
        for (int x = 0; x < depth.cols; ++x) {
            const bool background = unit.at<float>(y, x) < float(bgThreshold);
            const float nx = background ? 0.0f : sx.at<float>(y, x), ny = background ? 0.0f : sy.at<float>(y, x);
            const float len = std::sqrt(nx * nx + ny * ny + z * z);
            rgb.at<cv::Vec3b>(y, x) = cv::Vec3b(byte(z / len), byte(ny / len), byte(nx / len));
        }
    return rgb;
}

// numpy.percentile's default (linear between the two nearest ranks).
double depthPercentile(const cv::Mat& depth, double percent) {
    std::vector<float> values(depth.begin<float>(), depth.end<float>());
    std::sort(values.begin(), values.end());
    const double rank = percent / 100.0 * double(values.size() - 1);
    const size_t below = size_t(std::floor(rank));
    const size_t above = std::min(below + 1, values.size() - 1);
    return double(values[below]) + (rank - double(below)) * (double(values[above]) - double(values[below]));
}

cv::Mat zoeBytes(const cv::Mat& depth) {
    // numpy: the float64 percentiles meet the float32 map as float32 scalars, their difference taken in float64.
    const double lo = depthPercentile(depth, 2.0), hi = depthPercentile(depth, 85.0);
    return depthBytes(depthAffine(depth, float(lo), float(hi - lo), true));
}

int64_t depthAnythingSide(double side) {  // the pack's Resize(..., ensure_multiple_of=14, "lower_bound")
    int64_t y = int64_t(std::llround(side / 14.0)) * 14;
    if (y < kDepthAnythingSide) y = int64_t(std::ceil(side / 14.0)) * 14;
    return y;
}

cv::Mat depthAnythingBytes(AnnotatorNet& net, const cv::Mat& padded) {
    const double scale = double(kDepthAnythingSide) / double(std::min(padded.rows, padded.cols));
    cv::Mat input;
    cv::resize(padded, input, cv::Size(int(depthAnythingSide(padded.cols * scale)), int(depthAnythingSide(padded.rows * scale))),
               0, 0, cv::INTER_CUBIC);
    BlobNormalisation n;  // ImageNet mean/std on v/255
    n.sub = {0.485f * 255.0f, 0.456f * 255.0f, 0.406f * 255.0f};
    n.div = {0.229f * 255.0f, 0.224f * 255.0f, 0.225f * 255.0f};
    return depthBytes(depthStretched(depthOutputAt(net, input, n, padded.size())));
}

using DepthDetect = std::function<cv::Mat(AnnotatorNet&, const cv::Mat&)>;

DepthDetect midasDepthDetect() {
    return [](AnnotatorNet& net, const cv::Mat& padded) {
        return depthBytes(depthStretched(depthOutputAt(net, padded, midasNormalisation(), padded.size())));
    };
}

DepthDetect midasNormalDetect(double a, double bg) {
    return [a, bg](AnnotatorNet& net, const cv::Mat& padded) {
        return midasNormals(depthOutputAt(net, padded, midasNormalisation(), padded.size()), a, bg);
    };
}

DepthDetect zoeDetect() {
    return [](AnnotatorNet& net, const cv::Mat& padded) {
        BlobNormalisation n;  // v / 255: ZoeDepth normalises inside the network
        n.div = {255.0f, 255.0f, 255.0f};
        return zoeBytes(depthOutputAt(net, padded, n, padded.size()));
    };
}

at::Tensor runDepth(const NodeContext& ctx, const at::Tensor& images, const std::string& file, int64_t resolution,
                    const DepthDetect& detect) {
    return annotateWithModel(ctx, images, file, resolution, cv::INTER_CUBIC, detect);
}

std::string onnxNameFor(const std::string& checkpoint) { return std::filesystem::path(checkpoint).stem().string() + ".onnx"; }

NodeDecl midasDecl(bool normals) {
    const std::string type = normals ? "MiDaS-NormalMapPreprocessor" : "MiDaS-DepthMapPreprocessor";
    NodeDecl d = makeDecl(type, normals ? "MiDaS Normal Map" : "MiDaS Depth Map", kDepthCategory,
                          std::string(normals ? "Normals for a normal ControlNet from MiDaS depth: Sobel slopes of the raw "
                                                "depth, flat where the depth (0..1) is below bg_threshold, `a` as the "
                                                "third component. "
                                              : "Depth (near = white) for a depth ControlNet; a and bg_threshold only "
                                                "matter to the normal map, as in the pack. ") +
                              "Runs models/preprocessors/" + kMidasFile + " (an ONNX export of MiDaS DPT-Hybrid taking "
                              "[1,3,H,W] RGB as v/127.5-1).");
    d.inputs = {port("image", "IMAGE"), floatInput("a", kMidasDefaultA, 0.0, 5.0 * M_PI),
                floatInput("bg_threshold", 0.1, 0.0, 1.0), annotatorResolutionInput()};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [normals](NodeContext& ctx) {
        const DepthDetect detect = normals ? midasNormalDetect(ctx.getFloat("a"), ctx.getFloat("bg_threshold")) : midasDepthDetect();
        return std::vector<Value>{imageValue(runDepth(ctx, imageInput(ctx, "image"), kMidasFile, ctx.getInt("resolution"), detect))};
    };
    return d;
}

NodeDecl zoeDecl() {
    NodeDecl d = makeDecl("Zoe-DepthMapPreprocessor", "Zoe Depth Map", kDepthCategory,
                          std::string("Depth (near = white) for a depth ControlNet from models/preprocessors/") + kZoeFile +
                              " (an ONNX export of ZoeDepth taking [1,3,H,W] RGB as v/255); the 2nd..85th percentile "
                              "of the distance is stretched to white..black.");
    d.inputs = {port("image", "IMAGE"), annotatorResolutionInput()};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        return std::vector<Value>{imageValue(runDepth(ctx, imageInput(ctx, "image"), kZoeFile, ctx.getInt("resolution"), zoeDetect()))};
    };
    return d;
}

NodeDecl depthAnythingDecl(const std::string& type, const std::string& display, const std::vector<std::string>& checkpoints,
                           const std::string& defaultCheckpoint) {
    NodeDecl d = makeDecl(type, display, kDepthCategory,
                          "Relative depth (near = white) for a depth ControlNet. ckpt_name picks the ONNX export in "
                          "models/preprocessors with the same name ending in .onnx (e.g. " +
                              onnxNameFor(defaultCheckpoint) +
                              "), taking [1,3,H,W] RGB normalised with ImageNet's mean/std at sides that are multiples "
                              "of 14, at least 518.");
    d.inputs = {port("image", "IMAGE"), comboInput("ckpt_name", checkpoints, defaultCheckpoint), annotatorResolutionInput()};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        return std::vector<Value>{imageValue(runDepth(ctx, imageInput(ctx, "image"), onnxNameFor(ctx.getString("ckpt_name")),
                                                      ctx.getInt("resolution"), depthAnythingBytes))};
    };
    return d;
}

const std::vector<std::string> kDepthAnythingV1 = {"depth_anything_vitl14.pth", "depth_anything_vitb14.pth",
                                                   "depth_anything_vits14.pth"};
const std::vector<std::string> kDepthAnythingV2 = {"depth_anything_v2_vitg.pth", "depth_anything_v2_vitl.pth",
                                                   "depth_anything_v2_vitb.pth", "depth_anything_v2_vits.pth"};

PreprocessorRoute depthRoute(const std::string& type, const std::string& file, DepthDetect detect) {
    return {type, [file, detect](const NodeContext& ctx, const at::Tensor& images, int64_t res) {
                return runDepth(ctx, images, file, res, detect);
            }};
}

}  // namespace

void addDepthPreprocessors(Registry& registry, PreprocessorRoutes& routes) {
    registry.add(midasDecl(false));
    registry.add(midasDecl(true));
    registry.add(zoeDecl());
    registry.add(depthAnythingDecl("DepthAnythingPreprocessor", "Depth Anything", kDepthAnythingV1, kDepthAnythingV1[0]));
    registry.add(depthAnythingDecl("DepthAnythingV2Preprocessor", "Depth Anything V2 - Relative", kDepthAnythingV2,
                                   kDepthAnythingV2[1]));
    routes.push_back(depthRoute("MiDaS-DepthMapPreprocessor", kMidasFile, midasDepthDetect()));
    routes.push_back(depthRoute("MiDaS-NormalMapPreprocessor", kMidasFile, midasNormalDetect(kMidasDefaultA, 0.1)));
    routes.push_back(depthRoute("Zoe-DepthMapPreprocessor", kZoeFile, zoeDetect()));
    routes.push_back(depthRoute("DepthAnythingPreprocessor", onnxNameFor(kDepthAnythingV1[0]), depthAnythingBytes));
    routes.push_back(depthRoute("DepthAnythingV2Preprocessor", onnxNameFor(kDepthAnythingV2[1]), depthAnythingBytes));
}

}  // namespace tessera::nodes
