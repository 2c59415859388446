#include "nodes/annotator_frame.h"

#include "nodes/image_convert.h"
#include "nodes/image_node_support.h"

#include <ATen/ATen.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>

namespace tessera::nodes {
namespace {

int annotatorPadTo64(int side) { return (side + 63) / 64 * 64 - side; }

}  // namespace

int64_t annotatorDetectResolution(int64_t resolution) { return resolution >= 64 ? resolution : 512; }

cv::Mat AnnotatorFrame::unpad(const cv::Mat& detected) const {
    return detected(cv::Rect(0, 0, width, height)).clone();
}

AnnotatorFrame annotatorFrame(const cv::Mat& rgb8, int64_t detectResolution, int enlargeInterpolation) {
    const double k = double(detectResolution) / double(std::min(rgb8.rows, rgb8.cols));
    AnnotatorFrame f;
    f.height = int(roundHalfEven(double(rgb8.rows) * k));
    f.width = int(roundHalfEven(double(rgb8.cols) * k));
    cv::Mat resized;
    cv::resize(rgb8, resized, cv::Size(f.width, f.height), 0, 0, k > 1 ? enlargeInterpolation : cv::INTER_AREA);
    cv::copyMakeBorder(resized, f.padded, 0, annotatorPadTo64(f.height), 0, annotatorPadTo64(f.width),
                       cv::BORDER_REPLICATE);
    return f;
}

at::Tensor annotatorResult(const cv::Mat& detected8) {
    cv::Mat rgb = detected8;
    if (detected8.channels() == 1) cv::cvtColor(detected8, rgb, cv::COLOR_GRAY2RGB);
    cv::Mat unit;
    rgb.convertTo(unit, CV_32F, 1.0 / 255.0);
    return matToTensor(unit);
}

at::Tensor annotateBatch(const NodeContext& ctx, const at::Tensor& images,
                         const std::function<at::Tensor(const at::Tensor&)>& perImage) {
    std::vector<at::Tensor> out;
    const int total = int(images.size(0));
    for (int i = 0; i < total; ++i) {
        ctx.cancel().throwIfCancelled();
        ctx.progress(i, total);
        out.push_back(perImage(images[i]));
    }
    ctx.progress(total, total);
    return at::stack(out);
}

}  // namespace tessera::nodes
