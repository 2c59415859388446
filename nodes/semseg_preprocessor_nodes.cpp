// Semantic segmentation for the seg ControlNet, with comfyui_controlnet_aux's node names:
// UniFormer-SemSegPreprocessor / SemSegPreprocessor (models/preprocessors/upernet_global_small.onnx) and
// OneFormer-ADE20K-SemSegPreprocessor (250_16_swin_l_oneformer_ade20k_160k.onnx). Each model is an ONNX
// export giving per-pixel scores of the 150 ADE20K classes; the winning class is drawn in the ADE20K
// palette the seg ControlNet was trained on.
#include "core/common/error.h"
#include "nodes/annotator_frame.h"
#include "nodes/decl_helpers.h"
#include "nodes/image_node_support.h"
#include "nodes/onnx_annotator.h"
#include "nodes/preprocessor_routes.h"

#include <ATen/ATen.h>
#include <opencv2/imgproc.hpp>

#include <array>

namespace tessera::nodes {
namespace {

constexpr const char* kUniformerFile = "upernet_global_small.onnx";
constexpr const char* kOneformerAdeFile = "250_16_swin_l_oneformer_ade20k_160k.onnx";
constexpr int kAdeClasses = 150;

// ADE20K's class colours (RGB), class 0 (wall) first.
constexpr std::array<std::array<uint8_t, 3>, kAdeClasses> kAdePalette = {{
    {120, 120, 120}, {180, 120, 120}, {6, 230, 230}, {80, 50, 50}, {4, 200, 3}, {120, 120, 80},
    {140, 140, 140}, {204, 5, 255}, {230, 230, 230}, {4, 250, 7}, {224, 5, 255}, {235, 255, 7},
    {150, 5, 61}, {120, 120, 70}, {8, 255, 51}, {255, 6, 82}, {143, 255, 140}, {204, 255, 4},
    {255, 51, 7}, {204, 70, 3}, {0, 102, 200}, {61, 230, 250}, {255, 6, 51}, {11, 102, 255},
    {255, 7, 71}, {255, 9, 224}, {9, 7, 230}, {220, 220, 220}, {255, 9, 92}, {112, 9, 255},
    {8, 255, 214}, {7, 255, 224}, {255, 184, 6}, {10, 255, 71}, {255, 41, 10}, {7, 255, 255},
    {224, 255, 8}, {102, 8, 255}, {255, 61, 6}, {255, 194, 7}, {255, 122, 8}, {0, 255, 20},
    {255, 8, 41}, {255, 5, 153}, {6, 51, 255}, {235, 12, 255}, {160, 150, 20}, {0, 163, 255},
    {140, 140, 140}, {250, 10, 15}, {20, 255, 0}, {31, 255, 0}, {255, 31, 0}, {255, 224, 0},
    {153, 255, 0}, {0, 0, 255}, {255, 71, 0}, {0, 235, 255}, {0, 173, 255}, {31, 0, 255},
    {11, 200, 200}, {255, 82, 0}, {0, 255, 245}, {0, 61, 255}, {0, 255, 112}, {0, 255, 133},
    {255, 0, 0}, {255, 163, 0}, {255, 102, 0}, {194, 255, 0}, {0, 143, 255}, {51, 255, 0},
    {0, 82, 255}, {0, 255, 41}, {0, 255, 173}, {10, 0, 255}, {173, 255, 0}, {0, 255, 153},
    {255, 92, 0}, {255, 0, 255}, {255, 0, 245}, {255, 0, 102}, {255, 173, 0}, {255, 0, 20},
    {255, 184, 184}, {0, 31, 255}, {0, 255, 61}, {0, 71, 255}, {255, 0, 204}, {0, 255, 194},
    {0, 255, 82}, {0, 10, 255}, {0, 112, 255}, {51, 0, 255}, {0, 194, 255}, {0, 122, 255},
    {0, 255, 163}, {255, 153, 0}, {0, 255, 10}, {255, 112, 0}, {143, 255, 0}, {82, 0, 255},
    {163, 255, 0}, {255, 235, 0}, {8, 184, 170}, {133, 0, 255}, {0, 255, 92}, {184, 0, 255},
    {255, 0, 31}, {0, 184, 255}, {0, 214, 255}, {255, 0, 112}, {92, 255, 0}, {0, 224, 255},
    {112, 224, 255}, {70, 184, 160}, {163, 0, 255}, {153, 0, 255}, {71, 255, 0}, {255, 0, 163},
    {255, 204, 0}, {255, 0, 143}, {0, 255, 235}, {133, 255, 0}, {255, 0, 235}, {245, 0, 255},
    {255, 0, 122}, {255, 245, 0}, {10, 190, 212}, {214, 255, 0}, {0, 204, 255}, {20, 0, 255},
    {255, 255, 0}, {0, 153, 255}, {0, 41, 255}, {0, 255, 204}, {41, 0, 255}, {41, 255, 0},
    {173, 0, 255}, {0, 245, 255}, {71, 0, 255}, {122, 0, 255}, {0, 255, 184}, {0, 92, 255},
    {184, 255, 0}, {0, 133, 255}, {255, 214, 0}, {25, 194, 194}, {102, 255, 0}, {92, 0, 255},
}};

// ImageNet mean/std on 0..255 RGB, as the segmentation models were trained.
BlobNormalisation semsegNormalisation() {
    BlobNormalisation n;
    n.sub = {123.675f, 116.28f, 103.53f};
    n.div = {58.395f, 57.12f, 57.375f};
    return n;
}

// Scores [1,150,h,w] -> each class map bilinearly resized to `size`, the best class per pixel in its colour.
cv::Mat semsegPaint(const cv::Mat& scores, cv::Size size) {
    if (scores.dims != 4 || scores.size[1] != kAdeClasses)
        throw Error("the segmentation model's output is not [1,150,h,w] ADE20K class scores");
    const int h = scores.size[2], w = scores.size[3];
    cv::Mat best(size, CV_32F, cv::Scalar(-std::numeric_limits<float>::infinity()));
    cv::Mat label = cv::Mat::zeros(size, CV_32S);
    for (int k = 0; k < kAdeClasses; ++k) {
        const cv::Mat map(h, w, CV_32F, const_cast<float*>(scores.ptr<float>() + size_t(k) * size_t(h) * size_t(w)));
        cv::Mat sized;
        cv::resize(map, sized, size, 0, 0, cv::INTER_LINEAR);
        const cv::Mat better = sized > best;
        sized.copyTo(best, better);
        label.setTo(k, better);
    }
    cv::Mat painted(size, CV_8UC3);
    for (int y = 0; y < size.height; ++y)
        for (int x = 0; x < size.width; ++x) {
            const auto& c = kAdePalette[size_t(label.at<int>(y, x))];
            painted.at<cv::Vec3b>(y, x) = cv::Vec3b(c[0], c[1], c[2]);
        }
    return painted;
}

at::Tensor runSemseg(const NodeContext& ctx, const at::Tensor& images, const char* file, int64_t resolution) {
    return annotateWithModel(ctx, images, file, resolution, cv::INTER_CUBIC, [](AnnotatorNet& net, const cv::Mat& padded) {
        const cv::Mat scores = net.forward(annotatorBlob(padded, semsegNormalisation()), true).front();
        return semsegPaint(scores, padded.size());
    });
}

NodeDecl semsegDecl(const std::string& type, const std::string& display, const char* file) {
    NodeDecl d = makeDecl(type, display, "ControlNet Preprocessors/Semantic Segmentation",
                          std::string("ADE20K segmentation in the palette of the seg ControlNet, from models/preprocessors/") +
                              file + " (an ONNX export with [1,150,h,w] class scores; input RGB normalised with "
                              "ImageNet's mean/std on 0..255).");
    d.inputs = {port("image", "IMAGE"), annotatorResolutionInput()};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [file](NodeContext& ctx) {
        return std::vector<Value>{imageValue(runSemseg(ctx, imageInput(ctx, "image"), file, ctx.getInt("resolution")))};
    };
    return d;
}

PreprocessorRoute semsegRoute(const std::string& type, const char* file) {
    return {type, [file](const NodeContext& ctx, const at::Tensor& images, int64_t res) {
                return runSemseg(ctx, images, file, res);
            }};
}

}  // namespace

void addSemsegPreprocessors(Registry& registry, PreprocessorRoutes& routes) {
    registry.add(semsegDecl("UniFormer-SemSegPreprocessor", "UniFormer Segmentor", kUniformerFile));
    registry.add(semsegDecl("SemSegPreprocessor", "Semantic Segmentor (legacy, alias for UniFormer)", kUniformerFile));
    registry.add(semsegDecl("OneFormer-ADE20K-SemSegPreprocessor", "OneFormer ADE20K Segmentor", kOneformerAdeFile));
    routes.push_back(semsegRoute("UniFormer-SemSegPreprocessor", kUniformerFile));
    routes.push_back(semsegRoute("SemSegPreprocessor", kUniformerFile));
    routes.push_back(semsegRoute("OneFormer-ADE20K-SemSegPreprocessor", kOneformerAdeFile));
}

}  // namespace tessera::nodes
