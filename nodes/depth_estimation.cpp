#include "nodes/depth_estimation.h"

#include "core/common/error.h"

#include <ATen/ATen.h>
#include <opencv2/dnn.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>

namespace tessera::nodes {
namespace {

bool contains(const std::string& haystack, std::initializer_list<const char*> needles) {
    for (const char* n : needles)
        if (haystack.find(n) != std::string::npos) return true;
    return false;
}

int64_t roundToMultiple(double side, int multiple) {
    return std::max<int64_t>(multiple, int64_t(std::llround(side / multiple)) * multiple);
}

}  // namespace

DepthModelRules depthRulesFor(const std::string& fileName) {
    std::string name = fileName;
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    DepthModelRules r;
    if (contains(name, {"depth_anything", "depth-anything", "depthanything", "dinov2"})) r.sizeMultiple = 14;
    if (contains(name, {"dpt_", "beit"})) r.mean = r.std = {0.5f, 0.5f, 0.5f};
    r.metric = contains(name, {"metric"});
    return r;
}

std::array<int64_t, 2> depthInputSize(int64_t height, int64_t width, int64_t resolution, int multiple) {
    const double scale = double(resolution) / double(std::min(height, width));
    return {roundToMultiple(double(height) * scale, multiple), roundToMultiple(double(width) * scale, multiple)};
}

struct DepthModel::Impl {
    cv::dnn::Net net;
};

DepthModel::DepthModel(const std::string& onnxPath) : impl_(std::make_unique<Impl>()), path_(onnxPath) {
    try {
        impl_->net = cv::dnn::readNetFromONNX(onnxPath);
    } catch (const cv::Exception& e) {
        throw Error("could not load the depth model '" + onnxPath + "' (is it a valid ONNX file?): " + e.err);
    }
    if (impl_->net.empty()) throw Error("the depth model '" + onnxPath + "' contains no network");
    impl_->net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    impl_->net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
}

DepthModel::~DepthModel() = default;

at::Tensor DepthModel::estimate(const at::Tensor& hwc, int64_t resolution, const DepthModelRules& rules) {
    const int64_t h = hwc.size(0), w = hwc.size(1);
    const auto [inH, inW] = depthInputSize(h, w, resolution, rules.sizeMultiple);
    at::Tensor x = hwc.to(at::kFloat).permute({2, 0, 1}).unsqueeze(0);
    if (inH != h || inW != w)
        x = at::upsample_bicubic2d(x, {inH, inW}, false, c10::nullopt, c10::nullopt).clamp(0.0, 1.0);
    const at::Tensor mean = at::tensor(at::ArrayRef<float>(rules.mean.data(), 3)).view({1, 3, 1, 1});
    const at::Tensor stdev = at::tensor(at::ArrayRef<float>(rules.std.data(), 3)).view({1, 3, 1, 1});
    x = ((x - mean) / stdev).contiguous();

    const int blobShape[4] = {1, 3, int(inH), int(inW)};
    const cv::Mat blob(4, blobShape, CV_32F, x.data_ptr<float>());
    cv::Mat out;
    try {
        impl_->net.setInput(blob);
        out = impl_->net.forward();
    } catch (const cv::Exception& e) {
        throw Error("the depth model '" + path_ + "' failed on a " + std::to_string(inW) + "x" + std::to_string(inH) +
                    " input (a model exported for a fixed size needs that size as resolution): " + e.err);
    }
    if (out.depth() != CV_32F || out.dims < 2)
        throw Error("the depth model '" + path_ + "' gave an output that is not a float depth map");
    const int outH = out.size[out.dims - 2], outW = out.size[out.dims - 1];
    const cv::Mat contiguous = out.isContinuous() ? out : out.clone();
    // The first map of the batch: [1,H,W], [1,1,H,W] or [H,W] alike.
    at::Tensor depth = at::from_blob(contiguous.data, {1, 1, outH, outW}, at::kFloat).clone();
    if (outH != h || outW != w)
        depth = at::upsample_bilinear2d(depth, {h, w}, false, c10::nullopt, c10::nullopt);
    depth = depth.view({h, w});
    if (rules.metric) depth = -depth;
    const at::Tensor lo = depth.min(), hi = depth.max();
    const float range = (hi - lo).item<float>();
    if (!std::isfinite(range) || range <= 0.0f) return at::zeros({h, w});
    return ((depth - lo) / range).clamp(0.0, 1.0);
}

}  // namespace tessera::nodes
