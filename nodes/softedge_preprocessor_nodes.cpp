// Soft edges from ONNX models, as comfyui_controlnet_aux draws them: HEDPreprocessor
// (models/preprocessors/ControlNetHED.onnx) and PiDiNetPreprocessor (table5_pidinet.onnx).
#include "core/common/error.h"
#include "nodes/annotator_frame.h"
#include "nodes/decl_helpers.h"
#include "nodes/image_node_support.h"
#include "nodes/onnx_annotator.h"
#include "nodes/preprocessor_routes.h"

#include <ATen/ATen.h>
#include <opencv2/imgproc.hpp>

#include <cmath>

namespace tessera::nodes {
namespace {

constexpr const char* kHedFile = "ControlNetHED.onnx";
constexpr const char* kPidiFile = "table5_pidinet.onnx";

// The pack's safe_step: values quantised to steps of 1/2 (trunc(3x) / 2), for cleaner soft edges.
double softEdgeSafeStep(double v) { return double(int32_t(float(v) * 3.0f)) / 2.0; }

uint8_t softEdgeByte(double v) { return uint8_t(std::clamp(v * 255.0, 0.0, 255.0)); }

// HED: the 0..255 RGB image in; every output map (side outputs at any scale) bilinearly resized
// to the input, averaged, then a sigmoid.
cv::Mat hedEdges(AnnotatorNet& net, const cv::Mat& padded, bool safe) {
    const std::vector<cv::Mat> outs = net.forward(annotatorBlob(padded, 1.0f, 0.0f));
    cv::Mat sum = cv::Mat::zeros(padded.size(), CV_32F);
    for (const cv::Mat& o : outs) {
        cv::Mat sized;
        cv::resize(firstMap(o), sized, padded.size(), 0, 0, cv::INTER_LINEAR);
        sum += sized;
    }
    cv::Mat edge(padded.size(), CV_8U);
    for (int y = 0; y < edge.rows; ++y)
        for (int x = 0; x < edge.cols; ++x) {
            const double mean = double(sum.at<float>(y, x) / float(outs.size()));
            double v = 1.0 / (1.0 + std::exp(-mean));
            edge.at<uint8_t>(y, x) = softEdgeByte(safe ? softEdgeSafeStep(v) : v);
        }
    return edge;
}

// PiDiNet: BGR on 0..1 in; the output of its last layer (the fused map) is the edge probability.
cv::Mat pidiEdges(AnnotatorNet& net, const cv::Mat& padded, bool safe) {
    const cv::Mat p = firstMap(net.forward(annotatorBlob(padded, 255.0f, 0.0f, true), true).front());
    cv::Mat edge(p.size(), CV_8U);
    for (int y = 0; y < edge.rows; ++y)
        for (int x = 0; x < edge.cols; ++x) {
            const float v = p.at<float>(y, x);
            edge.at<uint8_t>(y, x) = softEdgeByte(safe ? softEdgeSafeStep(v) : double(v));
        }
    return edge;
}

using SoftEdgeFn = cv::Mat (*)(AnnotatorNet&, const cv::Mat&, bool);

at::Tensor runSoftEdges(const NodeContext& ctx, const at::Tensor& images, const char* file, SoftEdgeFn fn,
                        int64_t resolution, bool safe) {
    return annotateWithModel(ctx, images, file, resolution, cv::INTER_CUBIC,
                             [fn, safe](AnnotatorNet& net, const cv::Mat& padded) { return fn(net, padded, safe); });
}

NodeDecl softEdgeDecl(const std::string& type, const std::string& display, const char* file, SoftEdgeFn fn) {
    NodeDecl d = makeDecl(type, display, kAuxLineCategory,
                          std::string("Soft white edges on black for a soft-edge ControlNet, from models/preprocessors/") +
                              file + ". safe quantises the edges to three levels, which the ControlNet follows "
                              "more loosely.");
    d.inputs = {port("image", "IMAGE"), comboInput("safe", {"enable", "disable"}), annotatorResolutionInput()};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [file, fn](NodeContext& ctx) {
        return std::vector<Value>{imageValue(runSoftEdges(ctx, imageInput(ctx, "image"), file, fn,
                                                          ctx.getInt("resolution"), ctx.getString("safe") == "enable"))};
    };
    return d;
}

}  // namespace

void addSoftEdgePreprocessors(Registry& registry, PreprocessorRoutes& routes) {
    registry.add(softEdgeDecl("HEDPreprocessor", "HED Soft-Edge Lines", kHedFile, hedEdges));
    registry.add(softEdgeDecl("PiDiNetPreprocessor", "PiDiNet Soft-Edge Lines", kPidiFile, pidiEdges));
    routes.push_back({"HEDPreprocessor", [](const NodeContext& ctx, const at::Tensor& images, int64_t res) {
                          return runSoftEdges(ctx, images, kHedFile, hedEdges, res, true);
                      }});
    routes.push_back({"PiDiNetPreprocessor", [](const NodeContext& ctx, const at::Tensor& images, int64_t res) {
                          return runSoftEdges(ctx, images, kPidiFile, pidiEdges, res, true);
                      }});
}

}  // namespace tessera::nodes
