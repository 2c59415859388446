#include "nodes/composite.h"

#include <ATen/ATen.h>

#include <algorithm>

namespace tessera::nodes {

at::Tensor repeatToBatch(const at::Tensor& t, int64_t batch) {
    if (t.size(0) > batch) return t.slice(0, 0, batch);
    if (t.size(0) == batch) return t;
    std::vector<int64_t> reps(size_t(t.dim()), 1);
    reps[0] = (batch + t.size(0) - 1) / t.size(0);
    return t.repeat(reps).slice(0, 0, batch);
}

at::Tensor compositeInto(const at::Tensor& destination, at::Tensor source, int64_t x, int64_t y, at::Tensor mask,
                         int64_t multiplier, bool resizeSource) {
    at::Tensor out = destination.clone();
    const int64_t destH = destination.size(2), destW = destination.size(3);
    if (resizeSource) source = at::upsample_bilinear2d(source, {destH, destW}, false);
    source = repeatToBatch(source.to(destination.scalar_type()), destination.size(0));
    const int64_t left = std::min(std::max<int64_t>(x, 0), destW * multiplier) / multiplier;
    const int64_t top = std::min(std::max<int64_t>(y, 0), destH * multiplier) / multiplier;
    const int64_t w = std::min(source.size(3), destW - left), h = std::min(source.size(2), destH - top);
    if (w <= 0 || h <= 0) return out;
    if (mask.defined()) {
        mask = at::upsample_bilinear2d(mask.reshape({-1, 1, mask.size(-2), mask.size(-1)}).to(destination.scalar_type()),
                                       {source.size(2), source.size(3)}, false);
        mask = repeatToBatch(mask, source.size(0));
    } else {
        mask = at::ones({source.size(0), 1, source.size(2), source.size(3)}, destination.options());
    }
    const at::Tensor m = mask.slice(2, 0, h).slice(3, 0, w);
    const at::Tensor s = source.slice(2, 0, h).slice(3, 0, w);
    at::Tensor region = out.slice(2, top, top + h).slice(3, left, left + w);
    region.copy_(m * s + (1.0 - m) * region);
    return out;
}

}  // namespace tessera::nodes
