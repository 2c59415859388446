#include "nodes/bislerp.h"

#include <ATen/ATen.h>

namespace tessera::nodes {
namespace {

// Rows of b1 and b2 ([N,C]) interpolated by ratio r ([N,1]): direction by slerp, length linearly.
// Nearly equal directions keep b1; opposite ones fall back to a linear mix.
at::Tensor slerpRows(const at::Tensor& b1, const at::Tensor& b2, const at::Tensor& r) {
    const at::Tensor n1 = b1.norm(2, {-1}, true), n2 = b2.norm(2, {-1}, true);
    const at::Tensor u1 = (b1 / n1).masked_fill(n1.expand_as(b1) == 0, 0.0);
    const at::Tensor u2 = (b2 / n2).masked_fill(n2.expand_as(b2) == 0, 0.0);
    const at::Tensor dot = (u1 * u2).sum(1);
    const at::Tensor omega = at::acos(dot), so = at::sin(omega);
    const at::Tensor t = r.squeeze(1);
    at::Tensor res = (at::sin((1.0 - t) * omega) / so).unsqueeze(1) * u1 + (at::sin(t * omega) / so).unsqueeze(1) * u2;
    res = res * (n1 * (1.0 - r) + n2 * r);
    res = at::where((dot > 1 - 1e-5).unsqueeze(1), b1, res);
    return at::where((dot < 1e-5 - 1).unsqueeze(1), b1 * (1.0 - r) + b2 * r, res);
}

struct Positions {
    at::Tensor ratios, first, second;  // [newLength] float, long, long
};

// Where each new position falls between two old ones, as bilinear resampling (align_corners false) puts it.
Positions positions(int64_t oldLength, int64_t newLength) {
    auto resample = [&](const at::Tensor& v) {
        return at::upsample_bilinear2d(v.view({1, 1, 1, oldLength}), {1, newLength}, false).view({newLength});
    };
    const at::Tensor coords = resample(at::arange(oldLength, at::kFloat));
    at::Tensor next = at::arange(oldLength, at::kFloat) + 1;
    next[oldLength - 1] -= 1;
    return {coords - coords.floor(), coords.to(at::kLong), resample(next).to(at::kLong)};
}

// One pass along the last axis of [N,C,H,W].
at::Tensor passAlongWidth(const at::Tensor& s, int64_t newWidth) {
    const int64_t n = s.size(0), c = s.size(1), h = s.size(2);
    const Positions p = positions(s.size(3), newWidth);
    const at::Tensor i1 = p.first.view({1, 1, 1, newWidth}).expand({n, c, h, newWidth});
    const at::Tensor i2 = p.second.view({1, 1, 1, newWidth}).expand({n, c, h, newWidth});
    const at::Tensor a = s.gather(3, i1).movedim(1, -1).reshape({-1, c});
    const at::Tensor b = s.gather(3, i2).movedim(1, -1).reshape({-1, c});
    const at::Tensor r = p.ratios.view({1, 1, newWidth, 1}).expand({n, h, newWidth, 1}).reshape({-1, 1});
    return slerpRows(a, b, r).reshape({n, h, newWidth, c}).movedim(-1, 1);
}

}  // namespace

at::Tensor bislerp(const at::Tensor& samples, int64_t width, int64_t height) {
    const at::Tensor wide = passAlongWidth(samples.to(at::kFloat), width);
    // The height pass is the width pass on the transposed latent.
    const at::Tensor out = passAlongWidth(wide.transpose(2, 3), height).transpose(2, 3);
    return out.contiguous().to(samples.scalar_type());
}

}  // namespace tessera::nodes
