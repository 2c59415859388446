#include "app/cli/preview_writer.h"

#include "core/common/error.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdio>
#include <filesystem>

namespace tessera::cli {

PreviewWriter::PreviewWriter(std::string dir) : dir_(std::move(dir)) {
    if (!dir_.empty()) std::filesystem::create_directories(dir_);
}

void PreviewWriter::write(const std::string& node, const std::shared_ptr<const PreviewImage>& image) {
    if (dir_.empty() || !image || image->width <= 0 || image->height <= 0) return;
    std::string name;
    for (char c : node) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    char file[64];
    std::snprintf(file, sizeof file, "_%04d.png", ++perNode_[node]);
    const cv::Mat rgb(image->height, image->width, CV_8UC3, const_cast<uint8_t*>(image->rgb.data()));
    cv::Mat bgr;
    cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
    if (cv::imwrite(dir_ + "/" + name + file, bgr)) ++count_;
}

}  // namespace tessera::cli
