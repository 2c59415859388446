// M-LSDPreprocessor (comfyui_controlnet_aux): straight line segments from an M-LSD ONNX model
// (models/preprocessors/mlsd_large_512_fp32.onnx), drawn 1 pixel wide in white on black.
#include "core/common/error.h"
#include "nodes/annotator_frame.h"
#include "nodes/decl_helpers.h"
#include "nodes/image_node_support.h"
#include "nodes/onnx_annotator.h"
#include "nodes/preprocessor_routes.h"

#include <ATen/ATen.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace tessera::nodes {
namespace {

constexpr const char* kMlsdFile = "mlsd_large_512_fp32.onnx";
constexpr int kMlsdTopK = 200;

// RGB plus a constant channel of ones, every channel v / 127.5 - 1.
BlobNormalisation mlsdNormalisation() {
    BlobNormalisation n;
    n.div = {127.5f, 127.5f, 127.5f};
    n.add = -1.0f;
    n.onesChannel = true;
    return n;
}

// The model's map [1,C>=5,h,w]: channel 0 the centre logit, 1..4 the displacements to the start
// (x, y) and end (x, y) of the segment through that centre. Centres are the sigmoid's 3x3 local
// maxima, the 200 strongest are kept; a segment is drawn when its centre scores above
// `scoreThreshold` and it is longer than `distThreshold` (in map pixels). Map coordinates are
// scaled to the image by image size / map size (2 for M-LSD).
cv::Mat mlsdDrawSegments(const cv::Mat& tpMap, cv::Size imageSize, double scoreThreshold, double distThreshold) {
    if (tpMap.dims != 4 || tpMap.size[1] < 5) throw Error("the M-LSD model's output is not a [1,C>=5,h,w] map");
    const int h = tpMap.size[2], w = tpMap.size[3];
    const float* base = tpMap.ptr<float>();
    auto channel = [&](int c) { return cv::Mat(h, w, CV_32F, const_cast<float*>(base + size_t(c) * size_t(h) * size_t(w))); };
    cv::Mat heat;
    cv::exp(-channel(0), heat);
    heat = 1.0 / (1.0 + heat);
    cv::Mat localMax;
    cv::dilate(heat, localMax, cv::Mat::ones(3, 3, CV_8U), cv::Point(-1, -1), 1, cv::BORDER_CONSTANT, cv::Scalar(-1));
    std::vector<int> order(size_t(h) * size_t(w));
    std::iota(order.begin(), order.end(), 0);
    auto kept = [&](int i) { return localMax.at<float>(i / w, i % w) == heat.at<float>(i / w, i % w) ? heat.at<float>(i / w, i % w) : 0.0f; };
    const size_t topK = std::min(order.size(), size_t(kMlsdTopK));
    std::partial_sort(order.begin(), order.begin() + long(topK), order.end(), [&](int a, int b) {
        const float ka = kept(a), kb = kept(b);
        return ka != kb ? ka > kb : a < b;
    });
    const double sx = double(imageSize.width) / w, sy = double(imageSize.height) / h;
    cv::Mat drawn = cv::Mat::zeros(imageSize, CV_8U);
    for (size_t k = 0; k < topK; ++k) {
        const int i = order[k], y = i / w, x = i % w;
        const float xs = channel(1).at<float>(y, x), ys = channel(2).at<float>(y, x);
        const float xe = channel(3).at<float>(y, x), ye = channel(4).at<float>(y, x);
        const double length = std::sqrt(double((xs - xe) * (xs - xe) + (ys - ye) * (ys - ye)));
        if (!(kept(i) > scoreThreshold && length > distThreshold)) continue;
        const cv::Point from(int((x + xs) * sx), int((y + ys) * sy)), to(int((x + xe) * sx), int((y + ye) * sy));
        cv::line(drawn, from, to, cv::Scalar(255), 1);
    }
    return drawn;
}

at::Tensor runMlsd(const NodeContext& ctx, const at::Tensor& images, int64_t resolution, double score, double dist) {
    return annotateWithModel(ctx, images, kMlsdFile, resolution, cv::INTER_AREA, [&](AnnotatorNet& net, const cv::Mat& padded) {
        const cv::Mat tpMap = net.forward(annotatorBlob(padded, mlsdNormalisation()), true).front();
        return mlsdDrawSegments(tpMap, padded.size(), score, dist);
    });
}

NodeDecl mlsdDecl() {
    NodeDecl d = makeDecl("M-LSDPreprocessor", "M-LSD Lines", kAuxLineCategory,
                          "Straight line segments (white on black) for an MLSD ControlNet, from models/preprocessors/"
                          "mlsd_large_512_fp32.onnx: segments whose centre scores above score_threshold and whose "
                          "length exceeds dist_threshold.");
    d.inputs = {port("image", "IMAGE"), floatInput("score_threshold", 0.1, 0.01, 2.0),
                floatInput("dist_threshold", 0.1, 0.01, 20.0), annotatorResolutionInput()};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        return std::vector<Value>{imageValue(runMlsd(ctx, imageInput(ctx, "image"), ctx.getInt("resolution"),
                                                     ctx.getFloat("score_threshold"), ctx.getFloat("dist_threshold")))};
    };
    return d;
}

}  // namespace

void addMlsdPreprocessor(Registry& registry, PreprocessorRoutes& routes) {
    registry.add(mlsdDecl());
    routes.push_back({"M-LSDPreprocessor", [](const NodeContext& ctx, const at::Tensor& images, int64_t res) {
                          return runMlsd(ctx, images, res, 0.1, 0.1);
                      }});
}

}  // namespace tessera::nodes
