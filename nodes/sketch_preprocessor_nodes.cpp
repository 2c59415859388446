// Line pictures without a model, as comfyui_controlnet_aux draws them: ScribblePreprocessor,
// Scribble_XDoG_Preprocessor and BinaryPreprocessor (node names, widget order and defaults of the pack).
#include "nodes/annotator_frame.h"
#include "nodes/decl_helpers.h"
#include "nodes/image_node_support.h"
#include "nodes/preprocessor_routes.h"

#include <ATen/ATen.h>
#include <opencv2/imgproc.hpp>

namespace tessera::nodes {
namespace {

// Dark pixels (any channel below 127) black, the rest white.
at::Tensor scribbleLines(const at::Tensor& hwc, int64_t resolution) {
    const AnnotatorFrame f = annotatorFrame(toUint8(hwc), resolution, cv::INTER_AREA);
    std::vector<cv::Mat> channels;
    cv::split(f.padded, channels);
    cv::Mat darkest = cv::min(cv::min(channels[0], channels[1]), channels[2]);
    cv::Mat lines = darkest >= 127;  // 255 where every channel is light
    return annotatorResult(f.unpad(lines));
}

// Difference of Gaussians (sigma 5 minus sigma 0.5) on the 0..255 values; a pixel is a line where
// twice its darkening exceeds the threshold. The pack computes "twice" in 8-bit arithmetic, so a
// darkening of 128 or more wraps around; kept, as published results depend on it.
at::Tensor scribbleXdog(const at::Tensor& hwc, int64_t resolution, int64_t threshold) {
    const AnnotatorFrame f = annotatorFrame(toUint8(hwc), resolution, cv::INTER_CUBIC);
    cv::Mat values, narrow, wide;
    f.padded.convertTo(values, CV_32F);
    cv::GaussianBlur(values, narrow, cv::Size(0, 0), 0.5);
    cv::GaussianBlur(values, wide, cv::Size(0, 0), 5.0);
    std::vector<cv::Mat> diff;
    cv::split(wide - narrow, diff);
    const cv::Mat darkening = cv::min(cv::min(diff[0], diff[1]), diff[2]);
    cv::Mat lines(darkening.size(), CV_8U);
    for (int y = 0; y < lines.rows; ++y)
        for (int x = 0; x < lines.cols; ++x) {
            const float dog = std::clamp(255.0f - darkening.at<float>(y, x), 0.0f, 255.0f);
            const uint8_t twice = uint8_t(2 * (255 - uint8_t(dog)));
            lines.at<uint8_t>(y, x) = twice > threshold ? 255 : 0;
        }
    return annotatorResult(f.unpad(lines));
}

// White where the grey value is above the threshold; 0 or 255 picks Otsu's threshold instead.
at::Tensor binaryLines(const at::Tensor& hwc, int64_t resolution, int64_t threshold) {
    const AnnotatorFrame f = annotatorFrame(toUint8(hwc), resolution, cv::INTER_CUBIC);
    cv::Mat grey, binary;
    cv::cvtColor(f.padded, grey, cv::COLOR_RGB2GRAY);
    if (threshold == 0 || threshold == 255)
        cv::threshold(grey, binary, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
    else
        cv::threshold(grey, binary, double(threshold), 255, cv::THRESH_BINARY);
    return annotatorResult(f.unpad(binary));
}

NodeDecl scribbleDecl() {
    NodeDecl d = makeDecl("ScribblePreprocessor", "Scribble Lines", kAuxLineCategory,
                          "Black where the image is dark (any channel below 127 of 255), white elsewhere, at the "
                          "detect resolution (shorter side = resolution): a drawing made ready for a scribble "
                          "ControlNet.");
    d.inputs = {port("image", "IMAGE"), annotatorResolutionInput()};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        const int64_t res = annotatorDetectResolution(ctx.getInt("resolution"));
        return std::vector<Value>{imageValue(annotateBatch(
            ctx, imageInput(ctx, "image"), [&](const at::Tensor& img) { return scribbleLines(img, res); }))};
    };
    return d;
}

NodeDecl xdogDecl() {
    NodeDecl d = makeDecl("Scribble_XDoG_Preprocessor", "Scribble XDoG Lines", kAuxLineCategory,
                          "White lines on black from a difference of Gaussians (sigma 0.5 and 5): lower thresholds "
                          "keep fainter lines.");
    d.inputs = {port("image", "IMAGE"), intInput("threshold", 32, 1, 64), annotatorResolutionInput()};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        const int64_t res = annotatorDetectResolution(ctx.getInt("resolution")), thr = ctx.getInt("threshold");
        return std::vector<Value>{imageValue(annotateBatch(
            ctx, imageInput(ctx, "image"), [&](const at::Tensor& img) { return scribbleXdog(img, res, thr); }))};
    };
    return d;
}

NodeDecl binaryDecl() {
    NodeDecl d = makeDecl("BinaryPreprocessor", "Binary Lines", kAuxLineCategory,
                          "White where the grey image is brighter than bin_threshold (0..255), black elsewhere; 0 "
                          "or 255 chooses the threshold automatically (Otsu).");
    d.inputs = {port("image", "IMAGE"), intInput("bin_threshold", 100, 0, 255), annotatorResolutionInput()};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        const int64_t res = annotatorDetectResolution(ctx.getInt("resolution")), thr = ctx.getInt("bin_threshold");
        return std::vector<Value>{imageValue(annotateBatch(
            ctx, imageInput(ctx, "image"), [&](const at::Tensor& img) { return binaryLines(img, res, thr); }))};
    };
    return d;
}

PreprocessorRoute sketchRoute(const std::string& type, std::function<at::Tensor(const at::Tensor&, int64_t)> fn) {
    return {type, [fn](const NodeContext& ctx, const at::Tensor& images, int64_t resolution) {
                const int64_t res = annotatorDetectResolution(resolution);
                return annotateBatch(ctx, images, [&](const at::Tensor& img) { return fn(img, res); });
            }};
}

}  // namespace

void addSketchPreprocessors(Registry& registry, PreprocessorRoutes& routes) {
    registry.add(scribbleDecl());
    registry.add(xdogDecl());
    registry.add(binaryDecl());
    routes.push_back(sketchRoute("ScribblePreprocessor", scribbleLines));
    routes.push_back(sketchRoute("Scribble_XDoG_Preprocessor",
                                 [](const at::Tensor& img, int64_t res) { return scribbleXdog(img, res, 32); }));
    routes.push_back(sketchRoute("BinaryPreprocessor",
                                 [](const at::Tensor& img, int64_t res) { return binaryLines(img, res, 100); }));
}

}  // namespace tessera::nodes
