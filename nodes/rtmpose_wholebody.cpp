#include "nodes/rtmpose_wholebody.h"

#include "core/common/error.h"

#include <opencv2/imgproc.hpp>

namespace tessera::nodes {
namespace {

constexpr double kPoseBoxPadding = 1.25;
constexpr double kSimccSplitRatio = 2.0;
constexpr double kKeypointScore = 0.3;
constexpr double kPoseMean[3] = {123.675, 116.28, 103.53};
constexpr double kPoseStd[3] = {58.395, 57.12, 57.375};

// COCO-WholeBody body index for each OpenPose body point; -1 is the neck.
constexpr int kOpenPoseFromCoco[18] = {0, -1, 6, 8, 10, 5, 7, 9, 12, 14, 16, 11, 13, 15, 2, 1, 4, 3};
constexpr int kFaceFirst = 23, kFaceCount = 68, kLeftHandFirst = 91, kRightHandFirst = 112, kHandCount = 21;

cv::Mat poseInputBlob(const cv::Mat& crop) {
    const int shape[4] = {1, 3, crop.rows, crop.cols};
    cv::Mat blob(4, shape, CV_32F);
    const size_t plane = size_t(crop.rows) * size_t(crop.cols);
    float* out = blob.ptr<float>();
    for (int y = 0; y < crop.rows; ++y)
        for (int x = 0; x < crop.cols; ++x) {
            const cv::Vec3b& px = crop.at<cv::Vec3b>(y, x);
            for (int c = 0; c < 3; ++c)  // float64 as numpy, then float32
                out[size_t(c) * plane + size_t(y) * size_t(crop.cols) + size_t(x)] =
                    float((double(px[c]) - kPoseMean[c]) / kPoseStd[c]);
        }
    return blob;
}

// The [1, K, bins] SimCC output of one axis as K rows.
cv::Mat simccRows(const cv::Mat& out, const char* name) {
    if (out.depth() != CV_32F || out.dims < 2 || out.size[out.dims - 2] != kWholeBodyPoints)
        throw Error(std::string("the pose model's ") + name + " output is not [1, 133, bins] (a whole-body RTMPose model?)");
    const cv::Mat c = out.isContinuous() ? out : out.clone();
    return cv::Mat(kWholeBodyPoints, out.size[out.dims - 1], CV_32F, const_cast<uchar*>(c.ptr())).clone();
}

// First maximum of each row and its value (np.argmax / np.amax).
void simccArgmax(const cv::Mat& rows, int k, int& index, float& value) {
    const float* r = rows.ptr<float>(k);
    index = 0;
    value = r[0];
    for (int i = 1; i < rows.cols; ++i)
        if (r[i] > value) {
            value = r[i];
            index = i;
        }
}

}  // namespace

cv::Mat poseCropMatrix(const cv::Point2d& center, const cv::Point2d& scale, int inputWidth, int inputHeight) {
    // Three float32 point pairs: the centre, a point half a box width above it, and that offset
    // turned 90 degrees (mmpose's _get_3rd_point).
    const cv::Point2f c0(float(center.x), float(center.y));
    const cv::Point2f c1(float(center.x), float(center.y + scale.x * -0.5));
    const cv::Point2f d0 = c0 - c1;
    const cv::Point2f src[3] = {c0, c1, c1 + cv::Point2f(-d0.y, d0.x)};
    const cv::Point2f t0(float(inputWidth * 0.5), float(inputHeight * 0.5));
    const cv::Point2f t1(float(inputWidth * 0.5), float(inputHeight * 0.5 + inputWidth * -0.5));
    const cv::Point2f e0 = t0 - t1;
    const cv::Point2f dst[3] = {t0, t1, t1 + cv::Point2f(-e0.y, e0.x)};
    return cv::getAffineTransform(src, dst);
}

std::vector<WholeBodyPose> estimateWholeBody(AnnotatorNet& net, const cv::Mat& rgb8, const std::vector<PersonBox>& boxes,
                                             int inputWidth, int inputHeight) {
    std::vector<PersonBox> regions = boxes;
    if (regions.empty()) regions.push_back({0.0, 0.0, double(rgb8.cols), double(rgb8.rows), 1.0});
    const double aspect = double(inputWidth) / double(inputHeight);
    std::vector<WholeBodyPose> poses;
    for (const PersonBox& b : regions) {
        const cv::Point2d center((b.x0 + b.x1) * 0.5, (b.y0 + b.y1) * 0.5);
        cv::Point2d scale((b.x1 - b.x0) * kPoseBoxPadding, (b.y1 - b.y0) * kPoseBoxPadding);
        scale = scale.x > scale.y * aspect ? cv::Point2d(scale.x, scale.x / aspect) : cv::Point2d(scale.y * aspect, scale.y);
        cv::Mat crop;
        cv::warpAffine(rgb8, crop, poseCropMatrix(center, scale, inputWidth, inputHeight), cv::Size(inputWidth, inputHeight),
                       cv::INTER_LINEAR);
        const std::vector<cv::Mat> outs = net.forward(poseInputBlob(crop), {"simcc_x", "simcc_y"});
        const cv::Mat sx = simccRows(outs[0], "simcc_x"), sy = simccRows(outs[1], "simcc_y");
        WholeBodyPose pose;
        for (int k = 0; k < kWholeBodyPoints; ++k) {
            int ix = 0, iy = 0;
            float vx = 0, vy = 0;
            simccArgmax(sx, k, ix, vx);
            simccArgmax(sy, k, iy, vy);
            const float score = vx > vy ? vy : vx;
            // float32 bins / split ratio, then float64 back to the image.
            const float lx = score <= 0.0f ? -1.0f : float(ix), ly = score <= 0.0f ? -1.0f : float(iy);
            const double kx = double(lx / float(kSimccSplitRatio)), ky = double(ly / float(kSimccSplitRatio));
            pose.points.emplace_back(kx / inputWidth * scale.x + center.x - scale.x / 2.0,
                                     ky / inputHeight * scale.y + center.y - scale.y / 2.0);
            pose.scores.push_back(double(score));
        }
        poses.push_back(std::move(pose));
    }
    return poses;
}

PosePerson wholeBodyToOpenPose(const WholeBodyPose& pose) {
    auto point = [&](int i) -> std::optional<PosePoint> {
        if (pose.scores[size_t(i)] < kKeypointScore) return std::nullopt;
        return PosePoint{pose.points[size_t(i)].x, pose.points[size_t(i)].y};
    };
    auto part = [&](int first, int count) {
        PosePart p;
        bool any = false;
        for (int i = first; i < first + count; ++i) {
            p.push_back(point(i));
            any = any || p.back().has_value();
        }
        return any ? p : PosePart{};
    };
    PosePerson person;
    for (int k = 0; k < 18; ++k) {
        if (kOpenPoseFromCoco[k] >= 0) {
            person.body.push_back(point(kOpenPoseFromCoco[k]));
            continue;
        }
        const bool shoulders = pose.scores[5] > kKeypointScore && pose.scores[6] > kKeypointScore;
        if (shoulders)
            person.body.push_back(PosePoint{(pose.points[5].x + pose.points[6].x) / 2.0, (pose.points[5].y + pose.points[6].y) / 2.0});
        else
            person.body.push_back(std::nullopt);
    }
    person.face = part(kFaceFirst, kFaceCount);
    if (!person.face.empty()) {
        person.face.push_back(person.body[14]);
        person.face.push_back(person.body[15]);
    }
    person.leftHand = part(kLeftHandFirst, kHandCount);
    person.rightHand = part(kRightHandFirst, kHandCount);
    return person;
}

}  // namespace tessera::nodes
