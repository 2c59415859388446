#include "core/engine/networks/vae_blocks.h"

#include "core/engine/networks/attention.h"
#include "core/engine/compute/fused_ops.h"
#include "core/engine/compute/upsample_conv.h"
#include "core/engine/compute/winograd_conv.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

namespace tessera::engine::vae_blocks {

at::Tensor normalize(const Weights& norm, const at::Tensor& x, bool silu) {
    return fused::groupNorm(x, 32, norm("weight"), norm("bias"), 1e-6, silu);
}

at::Tensor conv(const Weights& c, const at::Tensor& x, int64_t stride, int64_t padding) {
    return convolve(x, c("weight"), c("bias"), stride, padding);
}

at::Tensor resnetBlock(const Weights& block, const at::Tensor& x) {
    at::Tensor h = normalize(block.sub("norm1"), x, true);
    h = normalize(block.sub("norm2"), conv(block.sub("conv1"), h), true);
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

at::Tensor attentionBlock(const Weights& attn, const at::Tensor& x, int64_t maxScoreBytes) {
    const int64_t b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
    // b c h w -> b (h w) c: a view when x is channels-last.
    const at::Tensor tokens = normalize(attn.sub("norm"), x).permute({0, 2, 3, 1}).reshape({b, h * w, c});
    AttentionOptions options;
    options.maxSliceBytes = maxScoreBytes;
    at::Tensor o = attention(project(attn.sub("q"), tokens), project(attn.sub("k"), tokens),
                             project(attn.sub("v"), tokens), 1, options);
    o = project(attn.sub("proj_out"), o);
    return o.reshape({b, h, w, c}).permute({0, 3, 1, 2}).contiguous(x.suggest_memory_format()).add_(x);
}

at::Tensor downsample(const Weights& down, const at::Tensor& x) {
    return conv(down.sub("conv"), at::constant_pad_nd(x, {0, 1, 0, 1}, 0).contiguous(x.suggest_memory_format()), 2, 0);
}

at::Tensor upsample(const Weights& up, const at::Tensor& x) {
    const Weights c = up.sub("conv");
    return upsample2xConv3x3(x, c("weight"), c("bias"));
}

}  // namespace tessera::engine::vae_blocks
