// Line art from ONNX models, as comfyui_controlnet_aux draws it: LineArtPreprocessor
// (models/preprocessors/sk_model.onnx, coarse: sk_model2.onnx) and AnimeLineArtPreprocessor (netG.onnx).
// Both give white lines on black.
#include "core/common/error.h"
#include "nodes/annotator_frame.h"
#include "nodes/decl_helpers.h"
#include "nodes/image_node_support.h"
#include "nodes/onnx_annotator.h"
#include "nodes/preprocessor_routes.h"

#include <ATen/ATen.h>
#include <opencv2/imgproc.hpp>

namespace tessera::nodes {
namespace {

constexpr const char* kLineartFile = "sk_model.onnx";
constexpr const char* kLineartCoarseFile = "sk_model2.onnx";
constexpr const char* kAnimeLineartFile = "netG.onnx";

// 0..1 RGB in, a dark-lines-on-white map out, inverted.
cv::Mat realisticLines(AnnotatorNet& net, const cv::Mat& padded) {
    const cv::Mat line = firstMap(net.forward(annotatorBlob(padded, 255.0f, 0.0f)).front());
    cv::Mat out(line.size(), CV_8U);
    for (int y = 0; y < out.rows; ++y)
        for (int x = 0; x < out.cols; ++x)
            out.at<uint8_t>(y, x) = uint8_t(255 - uint8_t(std::clamp(line.at<float>(y, x) * 255.0f, 0.0f, 255.0f)));
    return out;
}

// -1..1 RGB in at sides rounded up to multiples of 256 (bicubic), -1..1 out, shrunk back by area
// averaging, inverted.
cv::Mat animeLines(AnnotatorNet& net, const cv::Mat& padded) {
    const int hn = (padded.rows + 255) / 256 * 256, wn = (padded.cols + 255) / 256 * 256;
    cv::Mat big;
    cv::resize(padded, big, cv::Size(wn, hn), 0, 0, cv::INTER_CUBIC);
    const cv::Mat line = firstMap(net.forward(annotatorBlob(big, 127.5f, -1.0f)).front());
    cv::Mat bytes(line.size(), CV_8U);
    for (int y = 0; y < bytes.rows; ++y)
        for (int x = 0; x < bytes.cols; ++x)
            bytes.at<uint8_t>(y, x) = uint8_t(std::clamp(line.at<float>(y, x) * 127.5f + 127.5f, 0.0f, 255.0f));
    cv::Mat back;
    cv::resize(bytes, back, padded.size(), 0, 0, cv::INTER_AREA);
    return 255 - back;
}

using LineFn = cv::Mat (*)(AnnotatorNet&, const cv::Mat&);

at::Tensor runLineart(const NodeContext& ctx, const at::Tensor& images, const char* file, LineFn fn, int64_t resolution) {
    return annotateWithModel(ctx, images, file, resolution, cv::INTER_CUBIC,
                             [fn](AnnotatorNet& net, const cv::Mat& padded) { return fn(net, padded); });
}

NodeDecl lineartDecl() {
    NodeDecl d = makeDecl("LineArtPreprocessor", "Realistic Lineart", kAuxLineCategory,
                          "White line art on black for a lineart ControlNet, from models/preprocessors/sk_model.onnx "
                          "(coarse: sk_model2.onnx).");
    d.inputs = {port("image", "IMAGE"), comboInput("coarse", {"disable", "enable"}), annotatorResolutionInput()};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        const char* file = ctx.getString("coarse") == "enable" ? kLineartCoarseFile : kLineartFile;
        return std::vector<Value>{
            imageValue(runLineart(ctx, imageInput(ctx, "image"), file, realisticLines, ctx.getInt("resolution")))};
    };
    return d;
}

NodeDecl animeLineartDecl() {
    NodeDecl d = makeDecl("AnimeLineArtPreprocessor", "Anime Lineart", kAuxLineCategory,
                          "White anime-style line art on black for a lineart_anime ControlNet, from "
                          "models/preprocessors/netG.onnx.");
    d.inputs = {port("image", "IMAGE"), annotatorResolutionInput()};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        return std::vector<Value>{
            imageValue(runLineart(ctx, imageInput(ctx, "image"), kAnimeLineartFile, animeLines, ctx.getInt("resolution")))};
    };
    return d;
}

}  // namespace

void addLineartPreprocessors(Registry& registry, PreprocessorRoutes& routes) {
    registry.add(lineartDecl());
    registry.add(animeLineartDecl());
    routes.push_back({"LineArtPreprocessor", [](const NodeContext& ctx, const at::Tensor& images, int64_t res) {
                          return runLineart(ctx, images, kLineartFile, realisticLines, res);
                      }});
    routes.push_back({"AnimeLineArtPreprocessor", [](const NodeContext& ctx, const at::Tensor& images, int64_t res) {
                          return runLineart(ctx, images, kAnimeLineartFile, animeLines, res);
                      }});
}

}  // namespace tessera::nodes
