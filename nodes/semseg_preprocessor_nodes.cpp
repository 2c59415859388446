// Semantic segmentation for the seg ControlNet, with comfyui_controlnet_aux's node names:
// UniFormer-SemSegPreprocessor / SemSegPreprocessor (models/preprocessors/upernet_global_small.onnx) and
// OneFormer-ADE20K-SemSegPreprocessor (250_16_swin_l_oneformer_ade20k_160k.onnx), each an ONNX export
// giving per-pixel scores of the 150 ADE20K classes, the winning class drawn in the ADE20K palette the
// seg ControlNet was trained on (the same colours OneFormer's ADE20K metadata has); and
// OneFormer-COCO-SemSegPreprocessor (150_16_swin_l_oneformer_coco_100ep.onnx): 133 COCO panoptic
// classes in detectron2's COCO panoptic colours, as the pack's OneFormer draws them.
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
constexpr const char* kOneformerCocoFile = "150_16_swin_l_oneformer_coco_100ep.onnx";
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

// COCO panoptic's 133 categories (80 things, then 53 stuff), in detectron2's COCO_CATEGORIES order
// and colours: the metadata OneFormer's COCO model draws its semantic map with.
constexpr int kCocoClasses = 133;
constexpr std::array<std::array<uint8_t, 3>, kCocoClasses> kCocoPanopticPalette = {{
    {220, 20, 60}, {119, 11, 32}, {0, 0, 142}, {0, 0, 230}, {106, 0, 228}, {0, 60, 100},
    {0, 80, 100}, {0, 0, 70}, {0, 0, 192}, {250, 170, 30}, {100, 170, 30}, {220, 220, 0},
    {175, 116, 175}, {250, 0, 30}, {165, 42, 42}, {255, 77, 255}, {0, 226, 252}, {182, 182, 255},
    {0, 82, 0}, {120, 166, 157}, {110, 76, 0}, {174, 57, 255}, {199, 100, 0}, {72, 0, 118},
    {255, 179, 240}, {0, 125, 92}, {209, 0, 151}, {188, 208, 182}, {0, 220, 176}, {255, 99, 164},
    {92, 0, 73}, {133, 129, 255}, {78, 180, 255}, {0, 228, 0}, {174, 255, 243}, {45, 89, 255},
    {134, 134, 103}, {145, 148, 174}, {255, 208, 186}, {197, 226, 255}, {171, 134, 1}, {109, 63, 54},
    {207, 138, 255}, {151, 0, 95}, {9, 80, 61}, {84, 105, 51}, {74, 65, 105}, {166, 196, 102},
    {208, 195, 210}, {255, 109, 65}, {0, 143, 149}, {179, 0, 194}, {209, 99, 106}, {5, 121, 0},
    {227, 255, 205}, {147, 186, 208}, {153, 69, 1}, {3, 95, 161}, {163, 255, 0}, {119, 0, 170},
    {0, 182, 199}, {0, 165, 120}, {183, 130, 88}, {95, 32, 0}, {130, 114, 135}, {110, 129, 133},
    {166, 74, 118}, {219, 142, 185}, {79, 210, 114}, {178, 90, 62}, {65, 70, 15}, {127, 167, 115},
    {59, 105, 106}, {142, 108, 45}, {196, 172, 0}, {95, 54, 80}, {128, 76, 255}, {201, 57, 1},
    {246, 0, 122}, {191, 162, 208}, {255, 255, 128}, {147, 211, 203}, {150, 100, 100}, {168, 171, 172},
    {146, 112, 198}, {210, 170, 100}, {92, 136, 89}, {218, 88, 184}, {241, 129, 0}, {217, 17, 255},
    {124, 74, 181}, {70, 70, 70}, {255, 228, 255}, {154, 208, 0}, {193, 0, 92}, {76, 91, 113},
    {255, 180, 195}, {106, 154, 176}, {230, 150, 140}, {60, 143, 255}, {128, 64, 128}, {92, 82, 55},
    {254, 212, 124}, {73, 77, 174}, {255, 160, 98}, {255, 255, 255}, {104, 84, 109}, {169, 164, 131},
    {225, 199, 255}, {137, 54, 74}, {135, 158, 223}, {7, 246, 231}, {107, 255, 200}, {58, 41, 149},
    {183, 121, 142}, {255, 73, 97}, {107, 142, 35}, {190, 153, 153}, {146, 139, 141}, {70, 130, 180},
    {134, 199, 156}, {209, 226, 140}, {96, 36, 108}, {96, 96, 96}, {64, 170, 64}, {152, 251, 152},
    {208, 229, 228}, {206, 186, 171}, {152, 161, 64}, {116, 112, 0}, {0, 114, 143}, {102, 102, 156},
    {250, 141, 255},
}};

// A dataset's classes: the model's output has one score map per class, drawn in these colours.
struct SemsegPalette {
    const char* dataset;
    const std::array<uint8_t, 3>* colours;
    int classes;
};
constexpr SemsegPalette kAdePaletteInfo{"ADE20K", kAdePalette.data(), kAdeClasses};
constexpr SemsegPalette kCocoPaletteInfo{"COCO panoptic", kCocoPanopticPalette.data(), kCocoClasses};

// ImageNet mean/std on 0..255 RGB, as the segmentation models were trained.
BlobNormalisation semsegNormalisation() {
    BlobNormalisation n;
    n.sub = {123.675f, 116.28f, 103.53f};
    n.div = {58.395f, 57.12f, 57.375f};
    return n;
}

// Scores [1,classes,h,w] -> each class map bilinearly resized to `size`, the best class per pixel
// (the first on ties, as argmax) in its colour.
cv::Mat semsegPaint(const cv::Mat& scores, cv::Size size, const SemsegPalette& palette) {
    if (scores.dims != 4 || scores.size[1] != palette.classes)
        throw Error("the segmentation model's output is not [1," + std::to_string(palette.classes) + ",h,w] " +
                    palette.dataset + " class scores");
    const int h = scores.size[2], w = scores.size[3];
    cv::Mat best(size, CV_32F, cv::Scalar(-std::numeric_limits<float>::infinity()));
    cv::Mat label = cv::Mat::zeros(size, CV_32S);
    for (int k = 0; k < palette.classes; ++k) {
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
            const auto& c = palette.colours[label.at<int>(y, x)];
            painted.at<cv::Vec3b>(y, x) = cv::Vec3b(c[0], c[1], c[2]);
        }
    return painted;
}

at::Tensor runSemseg(const NodeContext& ctx, const at::Tensor& images, const char* file, int64_t resolution,
                     const SemsegPalette& palette) {
    return annotateWithModel(ctx, images, file, resolution, cv::INTER_CUBIC, [&palette](AnnotatorNet& net, const cv::Mat& padded) {
        const cv::Mat scores = net.forward(annotatorBlob(padded, semsegNormalisation()), true).front();
        return semsegPaint(scores, padded.size(), palette);
    });
}

NodeDecl semsegDecl(const std::string& type, const std::string& display, const char* file,
                    const SemsegPalette& palette = kAdePaletteInfo) {
    NodeDecl d = makeDecl(type, display, "ControlNet Preprocessors/Semantic Segmentation",
                          std::string(palette.dataset) + " segmentation in the dataset's palette, from models/preprocessors/" +
                              file + " (an ONNX export with [1," + std::to_string(palette.classes) +
                              ",h,w] class scores; input RGB normalised with ImageNet's mean/std on 0..255).");
    d.inputs = {port("image", "IMAGE"), annotatorResolutionInput()};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [file, palette](NodeContext& ctx) {
        return std::vector<Value>{imageValue(runSemseg(ctx, imageInput(ctx, "image"), file, ctx.getInt("resolution"), palette))};
    };
    return d;
}

PreprocessorRoute semsegRoute(const std::string& type, const char* file, const SemsegPalette& palette = kAdePaletteInfo) {
    return {type, [file, palette](const NodeContext& ctx, const at::Tensor& images, int64_t res) {
                return runSemseg(ctx, images, file, res, palette);
            }};
}

}  // namespace

void addSemsegPreprocessors(Registry& registry, PreprocessorRoutes& routes) {
    registry.add(semsegDecl("UniFormer-SemSegPreprocessor", "UniFormer Segmentor", kUniformerFile));
    registry.add(semsegDecl("SemSegPreprocessor", "Semantic Segmentor (legacy, alias for UniFormer)", kUniformerFile));
    registry.add(semsegDecl("OneFormer-ADE20K-SemSegPreprocessor", "OneFormer ADE20K Segmentor", kOneformerAdeFile));
    routes.push_back(semsegRoute("UniFormer-SemSegPreprocessor", kUniformerFile));
    routes.push_back(semsegRoute("SemSegPreprocessor", kUniformerFile));
    registry.add(semsegDecl("OneFormer-COCO-SemSegPreprocessor", "OneFormer COCO Segmentor", kOneformerCocoFile,
                            kCocoPaletteInfo));
    routes.push_back(semsegRoute("OneFormer-ADE20K-SemSegPreprocessor", kOneformerAdeFile));
    routes.push_back(semsegRoute("OneFormer-COCO-SemSegPreprocessor", kOneformerCocoFile, kCocoPaletteInfo));
}

}  // namespace tessera::nodes
