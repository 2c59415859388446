#include "app/server/preview_frame.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <QtEndian>

namespace tessera::server {

QByteArray previewFrame(const PreviewImage& image, int jpegQuality) {
    if (image.width <= 0 || image.height <= 0 || image.rgb.size() != size_t(image.width) * image.height * 3) return {};
    const cv::Mat rgb(image.height, image.width, CV_8UC3, const_cast<uint8_t*>(image.rgb.data()));
    cv::Mat bgr;
    cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
    std::vector<uchar> jpeg;
    if (!cv::imencode(".jpg", bgr, jpeg, {cv::IMWRITE_JPEG_QUALITY, jpegQuality})) return {};
    QByteArray frame(8, '\0');
    qToBigEndian<quint32>(1, frame.data());      // PREVIEW_IMAGE
    qToBigEndian<quint32>(1, frame.data() + 4);  // JPEG
    frame.append(reinterpret_cast<const char*>(jpeg.data()), qsizetype(jpeg.size()));
    return frame;
}

}  // namespace tessera::server
