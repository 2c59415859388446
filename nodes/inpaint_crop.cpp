#include "nodes/inpaint_crop.h"

#include "nodes/image_convert.h"

#include <ATen/ATen.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>

namespace tessera::nodes {

CropRect maskCropRect(const at::Tensor& masks, int64_t padding) {
    const at::Tensor painted = masks.gt(0).any(0);  // [H,W]
    const at::Tensor rows = painted.any(1).nonzero(), columns = painted.any(0).nonzero();
    if (rows.numel() == 0) return {};
    const int64_t h = masks.size(1), w = masks.size(2);
    const int64_t top = std::max<int64_t>(0, rows.min().item<int64_t>() - padding);
    const int64_t bottom = std::min<int64_t>(h, rows.max().item<int64_t>() + 1 + padding);
    const int64_t left = std::max<int64_t>(0, columns.min().item<int64_t>() - padding);
    const int64_t right = std::min<int64_t>(w, columns.max().item<int64_t>() + 1 + padding);
    return {left, top, right - left, bottom - top};
}

void cropTargetSize(const CropRect& rect, int64_t targetSize, int64_t& width, int64_t& height) {
    const int64_t longSide = std::max<int64_t>(8, targetSize / 8 * 8);
    const auto shortSide = [&](int64_t shorter, int64_t longer) {
        const double scaled = double(shorter) * double(longSide) / double(longer);
        return std::max<int64_t>(8, int64_t(std::nearbyint(scaled / 8.0)) * 8);
    };
    if (rect.width >= rect.height) {
        width = longSide;
        height = shortSide(rect.height, rect.width);
    } else {
        height = longSide;
        width = shortSide(rect.width, rect.height);
    }
}

at::Tensor featherInpaintMask(const at::Tensor& masks, int64_t feather) {
    if (feather <= 0) return masks.clamp(0, 1);
    const int half = int(std::max<int64_t>(1, feather / 2));
    const cv::Mat kernel = cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * half + 1, 2 * half + 1));
    std::vector<at::Tensor> out;
    for (int64_t i = 0; i < masks.size(0); ++i) {
        const cv::Mat m = tensorToMat(masks[i].clamp(0, 1).contiguous());
        cv::Mat grown, blurred;
        cv::dilate(m, grown, kernel);
        cv::GaussianBlur(grown, blurred, cv::Size(2 * half + 1, 2 * half + 1), double(half) / 2.0);
        out.push_back(at::maximum(matToTensor(blurred).clamp(0, 1), masks[i].clamp(0, 1)));
    }
    return at::stack(out);
}

at::Tensor stitchCrop(const at::Tensor& source, const at::Tensor& crop, const CropRect& rect, const at::Tensor& weights) {
    const int64_t batch = std::max(source.size(0), crop.size(0));
    at::Tensor out = source.expand({batch, -1, -1, -1}).clone();
    at::Tensor region = out.narrow(1, rect.y, rect.height).narrow(2, rect.x, rect.width);
    const at::Tensor from = region.clone();
    const at::Tensor w =
        weights.narrow(1, rect.y, rect.height).narrow(2, rect.x, rect.width).unsqueeze(3).expand_as(from);
    const at::Tensor blended = from * (1.0 - w) + crop.expand_as(from) * w;
    region.copy_(at::where(w.gt(0), blended, from));
    return out;
}

}  // namespace tessera::nodes
