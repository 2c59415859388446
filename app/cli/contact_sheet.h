#pragma once
// The labelled contact sheet of a sweep: every cell's image on a grid, the first axis's name
// and values above the columns, the second's beside the rows. Drawn with OpenCV (no Qt GUI).
#include <opencv2/core.hpp>

#include <string>
#include <vector>

namespace tessera::cli {

struct ContactSheetLabels {
    std::string columnAxis;                // "KSampler.denoise"
    std::vector<std::string> columns;      // "0.30", "0.45", ...
    std::string rowAxis;                   // empty for a one-axis sweep (one row)
    std::vector<std::string> rows;         // empty for a one-axis sweep
};

// Where everything goes. Rects are in sheet pixels; cells are row-major.
struct ContactSheetLayout {
    cv::Size size;
    cv::Size cell;  // every cell's box; images are centred in it
    cv::Rect columnTitle, rowTitle;  // rowTitle is empty for one axis
    std::vector<cv::Rect> columnLabels, rowLabels;
    std::vector<cv::Rect> cells;
};

// Images larger than this on a side are scaled down to fit a cell.
inline constexpr int kMaxContactSheetCell = 512;

// `imageSize`: the largest cell image. Labels wider than a cell are shortened with "...".
ContactSheetLayout layoutContactSheet(const ContactSheetLabels& labels, cv::Size imageSize);

// `images`: BGR 8-bit, row-major, one per cell (an empty Mat leaves its cell grey). Black text
// on white.
cv::Mat drawContactSheet(const ContactSheetLabels& labels, const std::vector<cv::Mat>& images,
                         ContactSheetLayout* layout = nullptr);

}  // namespace tessera::cli
