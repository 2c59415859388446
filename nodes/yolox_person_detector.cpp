#include "nodes/yolox_person_detector.h"

#include "core/common/error.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace tessera::nodes {
namespace {

constexpr float kYoloxNmsIou = 0.45f;
constexpr float kYoloxScoreFloor = 0.1f;   // candidates for NMS
constexpr double kYoloxPersonScore = 0.3;  // boxes kept after NMS
constexpr int kYoloxPadValue = 114;
constexpr int kYoloxPersonClass = 0;

struct YoloxLetterbox {
    cv::Mat blob;
    double ratio = 1.0;
};

YoloxLetterbox yoloxLetterbox(const cv::Mat& rgb8, int size) {
    const double r = std::min(double(size) / double(rgb8.rows), double(size) / double(rgb8.cols));
    cv::Mat resized;
    cv::resize(rgb8, resized, cv::Size(int(rgb8.cols * r), int(rgb8.rows * r)), 0, 0, cv::INTER_LINEAR);
    cv::Mat padded(size, size, CV_8UC3, cv::Scalar::all(kYoloxPadValue));
    resized.copyTo(padded(cv::Rect(0, 0, resized.cols, resized.rows)));
    return {annotatorBlob(padded, 1.0f, 0.0f), r};
}

}  // namespace

std::vector<size_t> yoloxNms(const std::vector<cv::Vec4f>& boxes, const std::vector<float>& scores, float iouThreshold) {
    // numpy's argsort()[::-1]: best first; equal scores (sorted stably ascending, then reversed) later index first.
    std::vector<size_t> order(scores.size());
    std::iota(order.begin(), order.end(), size_t(0));
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
    std::reverse(order.begin(), order.end());
    std::vector<float> areas(boxes.size());
    for (size_t i = 0; i < boxes.size(); ++i)
        areas[i] = (boxes[i][2] - boxes[i][0] + 1.0f) * (boxes[i][3] - boxes[i][1] + 1.0f);
    std::vector<size_t> keep;
    while (!order.empty()) {
        const size_t i = order.front();
        keep.push_back(i);
        std::vector<size_t> rest;
        for (size_t n = 1; n < order.size(); ++n) {
            const size_t j = order[n];
            const float w = std::max(0.0f, std::min(boxes[i][2], boxes[j][2]) - std::max(boxes[i][0], boxes[j][0]) + 1.0f);
            const float h = std::max(0.0f, std::min(boxes[i][3], boxes[j][3]) - std::max(boxes[i][1], boxes[j][1]) + 1.0f);
            const float inter = w * h;
            if (inter / (areas[i] + areas[j] - inter) <= iouThreshold) rest.push_back(j);
        }
        order = std::move(rest);
    }
    return keep;
}

std::vector<PersonBox> detectPeopleYolox(AnnotatorNet& net, const cv::Mat& rgb8, int inputSize) {
    const YoloxLetterbox lb = yoloxLetterbox(rgb8, inputSize);
    const std::vector<cv::Mat> outs = net.forward(lb.blob);
    if (outs.empty()) throw Error("the YOLOX detector gave no output");
    const cv::Mat& out = outs.front();
    const std::vector<int> strides = {8, 16, 32};
    int anchors = 0;
    for (int s : strides) anchors += (inputSize / s) * (inputSize / s);
    const int rows = out.dims == 3 ? out.size[1] : out.dims == 2 ? out.size[0] : 0;
    const int cols = out.dims >= 2 ? out.size[out.dims - 1] : 0;
    if (out.depth() != CV_32F || rows != anchors || cols < 6)
        throw Error("the detector's output is not YOLOX's [1, " + std::to_string(anchors) + ", 5 + classes] for a " +
                    std::to_string(inputSize) + "x" + std::to_string(inputSize) + " input");
    const cv::Mat pred = out.isContinuous() ? out : out.clone();
    const float* p = pred.ptr<float>();
    const float ratio = float(lb.ratio);  // numpy divides the float32 boxes by the ratio as float32
    std::vector<cv::Vec4f> boxes;
    std::vector<float> scores;
    int row = 0;
    for (int s : strides) {
        const int side = inputSize / s;
        for (int gy = 0; gy < side; ++gy)
            for (int gx = 0; gx < side; ++gx, ++row) {
                const float* r = p + size_t(row) * size_t(cols);
                const float score = r[4] * r[5 + kYoloxPersonClass];
                if (!(score > kYoloxScoreFloor)) continue;
                // (offset + grid) * stride and exp(log size) * stride in float64, stored as float32 (numpy in place).
                const float cx = float((double(r[0]) + gx) * s), cy = float((double(r[1]) + gy) * s);
                const float w = float(double(std::exp(r[2])) * s), h = float(double(std::exp(r[3])) * s);
                boxes.emplace_back((cx - w / 2.0f) / ratio, (cy - h / 2.0f) / ratio, (cx + w / 2.0f) / ratio,
                                   (cy + h / 2.0f) / ratio);
                scores.push_back(score);
            }
    }
    std::vector<PersonBox> people;
    for (size_t i : yoloxNms(boxes, scores, kYoloxNmsIou)) {
        if (!(double(scores[i]) > kYoloxPersonScore)) continue;
        const cv::Vec4f& b = boxes[i];
        people.push_back({double(b[0]), double(b[1]), double(b[2]), double(b[3]), double(scores[i])});
    }
    return people;
}

}  // namespace tessera::nodes
