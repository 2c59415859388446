#include "nodes/pose_drawing.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cmath>

namespace tessera::nodes {
namespace {

constexpr double kPoseEps = 0.01;  // hand and face points at x or y 0 are not drawn
constexpr int kStickWidth = 4;

// 1-based pairs of OpenPose body points.
constexpr std::array<std::array<int, 2>, 17> kLimbs = {{{2, 3}, {2, 6}, {3, 4}, {4, 5}, {6, 7}, {7, 8}, {2, 9}, {9, 10},
                                                        {10, 11}, {2, 12}, {12, 13}, {13, 14}, {2, 1}, {1, 15},
                                                        {15, 17}, {1, 16}, {16, 18}}};
constexpr std::array<std::array<int, 2>, 20> kHandEdges = {{{0, 1}, {1, 2}, {2, 3}, {3, 4}, {0, 5}, {5, 6}, {6, 7},
                                                            {7, 8}, {0, 9}, {9, 10}, {10, 11}, {11, 12}, {0, 13},
                                                            {13, 14}, {14, 15}, {15, 16}, {0, 17}, {17, 18},
                                                            {18, 19}, {19, 20}}};

// The pack's is_normalized: every point there lies within 0..1 (in absolute value).
bool partIsNormalised(const PosePart& part) {
    bool any = false;
    for (const auto& p : part) {
        if (!p) continue;
        any = true;
        if (std::abs(p->x) > 1.0 || std::abs(p->y) > 1.0) return false;
    }
    return any;
}

// matplotlib's hsv_to_rgb at full saturation and value, times 255.
cv::Scalar hueColour(double h) {
    const int i = int(h * 6.0);
    const double f = h * 6.0 - i, q = 1.0 - f, t = f;
    std::array<double, 3> rgb{};
    switch (i % 6) {
        case 0: rgb = {1.0, t, 0.0}; break;
        case 1: rgb = {q, 1.0, 0.0}; break;
        case 2: rgb = {0.0, 1.0, t}; break;
        case 3: rgb = {0.0, q, 1.0}; break;
        case 4: rgb = {t, 0.0, 1.0}; break;
        default: rgb = {1.0, 0.0, q}; break;
    }
    return cv::Scalar(rgb[0] * 255.0, rgb[1] * 255.0, rgb[2] * 255.0);
}

void drawBody(cv::Mat& canvas, const PosePart& body, bool xinsrSticks) {
    if (body.size() < 18) return;
    const bool norm = partIsNormalised(body);
    const double H = norm ? canvas.rows : 1.0, W = norm ? canvas.cols : 1.0;
    const int maxSide = std::max(canvas.cols, canvas.rows);
    const int stickScale = !xinsrSticks || maxSide < 500 ? 1 : std::min(2 + maxSide / 1000, 7);
    const auto& colours = openPoseColours();
    for (size_t l = 0; l < kLimbs.size(); ++l) {
        const auto& a = body[size_t(kLimbs[l][0] - 1)];
        const auto& b = body[size_t(kLimbs[l][1] - 1)];
        if (!a || !b) continue;
        const double x0 = a->x * W, x1 = b->x * W, y0 = a->y * H, y1 = b->y * H;
        const double mx = (x0 + x1) / 2.0, my = (y0 + y1) / 2.0;
        const double length = std::sqrt((y0 - y1) * (y0 - y1) + (x0 - x1) * (x0 - x1));
        const double angle = std::atan2(y0 - y1, x0 - x1) * (180.0 / M_PI);
        std::vector<cv::Point> polygon;
        cv::ellipse2Poly(cv::Point(int(mx), int(my)), cv::Size(int(length / 2.0), kStickWidth * stickScale), int(angle),
                         0, 360, 1, polygon);
        const cv::Scalar& c = colours[l];
        cv::fillConvexPoly(canvas, polygon, cv::Scalar(int(c[0] * 0.6), int(c[1] * 0.6), int(c[2] * 0.6)));
    }
    for (size_t k = 0; k < 18; ++k) {
        if (!body[k]) continue;
        cv::circle(canvas, cv::Point(int(body[k]->x * W), int(body[k]->y * H)), 4, colours[k], cv::FILLED);
    }
}

void drawHand(cv::Mat& canvas, const PosePart& hand) {
    if (hand.size() < 21) return;
    const bool norm = partIsNormalised(hand);
    const double H = norm ? canvas.rows : 1.0, W = norm ? canvas.cols : 1.0;
    for (size_t e = 0; e < kHandEdges.size(); ++e) {
        const auto& a = hand[size_t(kHandEdges[e][0])];
        const auto& b = hand[size_t(kHandEdges[e][1])];
        if (!a || !b) continue;
        const int x1 = int(a->x * W), y1 = int(a->y * H), x2 = int(b->x * W), y2 = int(b->y * H);
        if (x1 > kPoseEps && y1 > kPoseEps && x2 > kPoseEps && y2 > kPoseEps)
            cv::line(canvas, {x1, y1}, {x2, y2}, hueColour(double(e) / double(kHandEdges.size())), 2);
    }
    for (const auto& p : hand) {
        if (!p) continue;
        const int x = int(p->x * W), y = int(p->y * H);
        if (x > kPoseEps && y > kPoseEps) cv::circle(canvas, {x, y}, 4, cv::Scalar(0, 0, 255), cv::FILLED);
    }
}

void drawFace(cv::Mat& canvas, const PosePart& face) {
    const bool norm = partIsNormalised(face);
    const double H = norm ? canvas.rows : 1.0, W = norm ? canvas.cols : 1.0;
    for (const auto& p : face) {
        if (!p) continue;
        const int x = int(p->x * W), y = int(p->y * H);
        if (x > kPoseEps && y > kPoseEps) cv::circle(canvas, {x, y}, 3, cv::Scalar(255, 255, 255), cv::FILLED);
    }
}

}  // namespace

const std::vector<cv::Scalar>& openPoseColours() {
    static const std::vector<cv::Scalar> colours = {
        {255, 0, 0},   {255, 85, 0},  {255, 170, 0}, {255, 255, 0}, {170, 255, 0}, {85, 255, 0},
        {0, 255, 0},   {0, 255, 85},  {0, 255, 170}, {0, 255, 255}, {0, 170, 255}, {0, 85, 255},
        {0, 0, 255},   {85, 0, 255},  {170, 0, 255}, {255, 0, 255}, {255, 0, 170}, {255, 0, 85}};
    return colours;
}

cv::Mat drawPoses(const std::vector<PosePerson>& people, int height, int width, const PoseDrawOptions& options) {
    cv::Mat canvas = cv::Mat::zeros(height, width, CV_8UC3);
    for (const PosePerson& p : people) {
        if (options.body) drawBody(canvas, p.body, options.xinsrSticks);
        if (options.hands) {
            drawHand(canvas, p.leftHand);
            drawHand(canvas, p.rightHand);
        }
        if (options.face) drawFace(canvas, p.face);
    }
    return canvas;
}

}  // namespace tessera::nodes
