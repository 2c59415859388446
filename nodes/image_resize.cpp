#include "nodes/image_resize.h"

#include "core/common/error.h"
#include "nodes/image_node_support.h"
#include "nodes/image_convert.h"

#include <ATen/ATen.h>
#include <opencv2/imgproc.hpp>

namespace tessera::nodes {
namespace {

at::Tensor centerCrop(const at::Tensor& s, int64_t width, int64_t height) {
    const int64_t oldW = s.size(3), oldH = s.size(2);
    const double oldAspect = double(oldW) / double(oldH);
    const double newAspect = double(width) / double(height);
    int64_t x = 0, y = 0;
    if (oldAspect > newAspect)
        x = roundHalfEven((oldW - oldW * (newAspect / oldAspect)) / 2);
    else if (oldAspect < newAspect)
        y = roundHalfEven((oldH - oldH * (oldAspect / newAspect)) / 2);
    return s.slice(2, y, oldH - y).slice(3, x, oldW - x);
}

// ComfyUI quantises to 8 bits, resizes with PIL's Lanczos and divides by 255.
at::Tensor lanczos(const at::Tensor& s, int64_t width, int64_t height) {
    std::vector<at::Tensor> out;
    for (int64_t i = 0; i < s.size(0); ++i) {
        const cv::Mat bytes = toUint8(s[i].permute({1, 2, 0}));
        cv::Mat resized;
        cv::resize(bytes, resized, cv::Size(int(width), int(height)), 0, 0, cv::INTER_LANCZOS4);
        at::Tensor t = matToTensor(unitFloat(resized));
        if (t.dim() == 2) t = t.unsqueeze(2);
        out.push_back(t.permute({2, 0, 1}));
    }
    return at::stack(out);
}

}  // namespace

const std::vector<std::string>& upscaleMethods() {
    static const std::vector<std::string> methods = {"nearest-exact", "bilinear", "area", "bicubic", "lanczos"};
    return methods;
}

at::Tensor commonUpscale(const at::Tensor& nchw, int64_t width, int64_t height, const std::string& method,
                         const std::string& crop) {
    if (width < 1 || height < 1)
        throw Error("cannot resize to " + std::to_string(width) + "x" + std::to_string(height) + ": both sides must be at least 1");
    const at::Tensor s = crop == "center" ? centerCrop(nchw, width, height) : nchw;
    const std::vector<int64_t> size = {height, width};
    if (method == "nearest-exact") return at::_upsample_nearest_exact2d(s, size, c10::nullopt, c10::nullopt);
    if (method == "bilinear") return at::upsample_bilinear2d(s, size, false, c10::nullopt, c10::nullopt);
    if (method == "bicubic") return at::upsample_bicubic2d(s, size, false, c10::nullopt, c10::nullopt);
    if (method == "area") return at::adaptive_avg_pool2d(s, size);
    if (method == "lanczos") return lanczos(s, width, height);
    throw Error("unknown upscale method '" + method + "'; use nearest-exact, bilinear, area, bicubic or lanczos");
}

}  // namespace tessera::nodes
