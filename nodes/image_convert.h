#pragma once
// Image files and tensors: decoding any common format into ComfyUI's IMAGE layout, the 8-bit
// quantisation ComfyUI uses when saving, and float tensor <-> cv::Mat views for OpenCV work.
// cv::Mat channels are BGR(A) when they come from or go to OpenCV's codecs; the helpers here
// convert, so callers only ever see RGB.
#include <ATen/core/Tensor.h>
#include <opencv2/core.hpp>

#include <QByteArray>
#include <cstdint>
#include <string>
#include <vector>

namespace tessera::nodes {

struct DecodedImage {
    at::Tensor rgb;    // [1,H,W,3] float32 0..1
    at::Tensor alpha;  // [H,W] float32 0..1, undefined when the file has no alpha channel
};

// PNG (8/16-bit), JPEG (EXIF orientation applied), WebP, BMP, TIFF; grey, RGB or RGBA.
// 8-bit samples become v/255, 16-bit ones v/65535. Throws tessera::Error naming `what`
// (usually the file) when the data is not a readable image.
DecodedImage decodeImage(const std::vector<uint8_t>& bytes, const std::string& what);
DecodedImage readImageFile(const std::string& path);

// 8-bit (v/255) or 16-bit (v/65535) samples -> float32, divided exactly as numpy does.
cv::Mat unitFloat(const cv::Mat& samples);

// One image [H,W,C] float -> 8-bit with ComfyUI's rule: clip(255*x, 0, 255) then truncate.
cv::Mat toUint8(const at::Tensor& hwc);
// One image [H,W,3 or 4] float 0..1 -> PNG bytes (RGB or RGBA, 8-bit), zlib level `compression` (0..9).
QByteArray encodePng(const at::Tensor& hwc, int compression = 4);

// [H,W] or [H,W,C] float32 tensor <-> cv::Mat of the same channel order (deep copies).
cv::Mat tensorToMat(const at::Tensor& hw_or_hwc);
at::Tensor matToTensor(const cv::Mat& floatMat);

}  // namespace tessera::nodes
