#include "app/cli/contact_sheet.h"

#include "core/common/error.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>

namespace tessera::cli {
namespace {

constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;
constexpr double kScale = 0.45;
constexpr int kThickness = 1;
constexpr int kMargin = 8;
constexpr int kGap = 4;
constexpr int kLineHeight = 22;

int textWidth(const std::string& text) {
    int baseline = 0;
    return cv::getTextSize(text, kFont, kScale, kThickness, &baseline).width;
}

// Shortens `text` with "..." until it fits `width` pixels.
std::string fitted(std::string text, int width) {
    if (textWidth(text) <= width) return text;
    while (!text.empty() && textWidth(text + "...") > width) text.pop_back();
    return text + "...";
}

// One scale for every cell, so images of different sizes keep their proportions to each other.
double scaleFor(cv::Size largest) {
    const int side = std::max(largest.width, largest.height);
    return side <= kMaxContactSheetCell ? 1.0 : double(kMaxContactSheetCell) / side;
}

cv::Size scaled(cv::Size size, double s) {
    if (s == 1.0) return {std::max(size.width, 1), std::max(size.height, 1)};
    return {std::max(1, int(size.width * s)), std::max(1, int(size.height * s))};
}

void drawText(cv::Mat& sheet, const std::string& text, cv::Rect box, bool centred) {
    int baseline = 0;
    const cv::Size size = cv::getTextSize(text, kFont, kScale, kThickness, &baseline);
    const int x = centred ? box.x + (box.width - size.width) / 2 : box.x;
    const int y = box.y + (box.height + size.height) / 2;
    cv::putText(sheet, text, {x, y}, kFont, kScale, cv::Scalar(0, 0, 0), kThickness, cv::LINE_AA);
}

}  // namespace

ContactSheetLayout layoutContactSheet(const ContactSheetLabels& labels, cv::Size imageSize) {
    if (labels.columns.empty()) throw Error("a contact sheet needs at least one column");
    const bool twoAxes = !labels.rows.empty();
    const size_t cols = labels.columns.size(), rows = twoAxes ? labels.rows.size() : 1;
    ContactSheetLayout l;
    l.cell = scaled(imageSize, scaleFor(imageSize));

    int left = kMargin;
    if (twoAxes) {
        int widest = textWidth(labels.rowAxis);
        for (const auto& r : labels.rows) widest = std::max(widest, textWidth(r));
        left = kMargin + std::min(widest, 2 * l.cell.width) + kMargin;
    }
    const int top = kMargin + 2 * kLineHeight + kGap;
    const int gridWidth = int(cols) * l.cell.width + int(cols - 1) * kGap;
    const int gridHeight = int(rows) * l.cell.height + int(rows - 1) * kGap;
    l.size = {left + gridWidth + kMargin, top + gridHeight + kMargin};

    l.columnTitle = {left, kMargin, gridWidth, kLineHeight};
    for (size_t c = 0; c < cols; ++c)
        l.columnLabels.emplace_back(left + int(c) * (l.cell.width + kGap), kMargin + kLineHeight, l.cell.width, kLineHeight);
    if (twoAxes) {
        l.rowTitle = {kMargin, kMargin + kLineHeight, left - 2 * kMargin, kLineHeight};
        for (size_t r = 0; r < rows; ++r)
            l.rowLabels.emplace_back(kMargin, top + int(r) * (l.cell.height + kGap), left - 2 * kMargin, l.cell.height);
    }
    for (size_t r = 0; r < rows; ++r)
        for (size_t c = 0; c < cols; ++c)
            l.cells.emplace_back(left + int(c) * (l.cell.width + kGap), top + int(r) * (l.cell.height + kGap), l.cell.width,
                                 l.cell.height);
    return l;
}

cv::Mat drawContactSheet(const ContactSheetLabels& labels, const std::vector<cv::Mat>& images, ContactSheetLayout* out) {
    cv::Size largest(1, 1);
    for (const auto& img : images) {
        largest.width = std::max(largest.width, img.cols);
        largest.height = std::max(largest.height, img.rows);
    }
    const ContactSheetLayout l = layoutContactSheet(labels, largest);
    if (images.size() != l.cells.size())
        throw Error("a contact sheet of " + std::to_string(l.cells.size()) + " cells got " + std::to_string(images.size()) +
                    " images");
    cv::Mat sheet(l.size, CV_8UC3, cv::Scalar(255, 255, 255));

    drawText(sheet, fitted(labels.columnAxis, l.columnTitle.width), l.columnTitle, true);
    for (size_t c = 0; c < l.columnLabels.size(); ++c)
        drawText(sheet, fitted(labels.columns[c], l.cell.width), l.columnLabels[c], true);
    if (!l.rowLabels.empty()) {
        drawText(sheet, fitted(labels.rowAxis, l.rowTitle.width), l.rowTitle, false);
        for (size_t r = 0; r < l.rowLabels.size(); ++r)
            drawText(sheet, fitted(labels.rows[r], l.rowLabels[r].width), l.rowLabels[r], false);
    }
    for (size_t i = 0; i < images.size(); ++i) {
        const cv::Rect box = l.cells[i];
        if (images[i].empty()) {
            sheet(box).setTo(cv::Scalar(128, 128, 128));
            continue;
        }
        cv::Mat img = images[i];
        const cv::Size fit = scaled(img.size(), scaleFor(largest));
        if (fit != img.size()) cv::resize(img, img, fit, 0, 0, cv::INTER_AREA);
        const cv::Rect at(box.x + (box.width - img.cols) / 2, box.y + (box.height - img.rows) / 2, img.cols, img.rows);
        img.copyTo(sheet(at));
    }
    if (out) *out = l;
    return sheet;
}

}  // namespace tessera::cli
