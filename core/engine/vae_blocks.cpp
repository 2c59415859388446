#include "core/engine/vae_blocks.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

namespace tessera::engine::vae_blocks {

at::Tensor normalize(const Weights& norm, const at::Tensor& x) {
    return at::group_norm(x, 32, norm("weight"), norm("bias"), 1e-6);
}

at::Tensor conv(const Weights& c, const at::Tensor& x, int64_t stride, int64_t padding) {
    return at::conv2d(x, c("weight"), c("bias"), {stride, stride}, {padding, padding});
}

at::Tensor resnetBlock(const Weights& block, const at::Tensor& x) {
    at::Tensor h = normalize(block.sub("norm1"), x);
    at::silu_(h);
    h = normalize(block.sub("norm2"), conv(block.sub("conv1"), h));
    at::silu_(h);
    h = conv(block.sub("conv2"), h);
    const at::Tensor skip = block.hasModule("nin_shortcut") ? conv(block.sub("nin_shortcut"), x, 1, 0) : x;
    return h.add_(skip);
}

namespace {

// A 1x1 convolution applied to tokens [B, N, C]; the weight may be stored [C, C, 1, 1] or [C, C].
at::Tensor project(const Weights& c, const at::Tensor& tokens) {
    const at::Tensor w = c("weight");
    return at::linear(tokens, w.reshape({w.size(0), w.size(1)}), c("bias"));
}

}  // namespace

int64_t attentionQuerySlice(int64_t batch, int64_t queries, int64_t keys, int64_t elementSize, int64_t maxScoreBytes) {
    const int64_t rowBytes = std::max<int64_t>(batch * keys * elementSize, 1);
    return std::clamp<int64_t>(maxScoreBytes / rowBytes, 1, std::max<int64_t>(queries, 1));
}

at::Tensor slicedAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t maxScoreBytes) {
    const int64_t batch = q.size(0), queries = q.size(1), keys = k.size(1);
    const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(2)));
    const int64_t slice = attentionQuerySlice(batch, queries, keys, static_cast<int64_t>(q.element_size()), maxScoreBytes);
    const at::Tensor kT = k.transpose(1, 2);
    if (slice == queries) return at::bmm(at::softmax(at::bmm(q, kT).mul_(scale), -1), v);

    at::Tensor out = at::empty({batch, queries, v.size(2)}, v.options());
    for (int64_t start = 0; start < queries; start += slice) {
        const int64_t n = std::min(slice, queries - start);
        const at::Tensor scores = at::bmm(q.narrow(1, start, n), kT).mul_(scale);
        out.narrow(1, start, n).copy_(at::bmm(at::softmax(scores, -1), v));
    }
    return out;
}

at::Tensor attentionBlock(const Weights& attn, const at::Tensor& x, int64_t maxScoreBytes) {
    const int64_t b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
    const at::Tensor tokens = normalize(attn.sub("norm"), x).reshape({b, c, h * w}).transpose(1, 2);
    at::Tensor o = slicedAttention(project(attn.sub("q"), tokens), project(attn.sub("k"), tokens),
                                   project(attn.sub("v"), tokens), maxScoreBytes);
    o = project(attn.sub("proj_out"), o);
    return o.transpose(1, 2).contiguous().view({b, c, h, w}).add_(x);
}

at::Tensor downsample(const Weights& down, const at::Tensor& x) {
    return conv(down.sub("conv"), at::constant_pad_nd(x, {0, 1, 0, 1}, 0), 2, 0);
}

at::Tensor upsample(const Weights& up, const at::Tensor& x) {
    const std::vector<int64_t> size{x.size(2) * 2, x.size(3) * 2};
    return conv(up.sub("conv"), at::upsample_nearest2d(x, size));
}

}  // namespace tessera::engine::vae_blocks
