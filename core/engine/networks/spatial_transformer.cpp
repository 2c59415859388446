#include "core/engine/networks/spatial_transformer.h"

#include "core/common/error.h"
#include "core/engine/compute/fused_ops.h"
#include "core/engine/files/weights.h"

#include <ATen/ATen.h>

namespace tessera::engine {

CrossAttention CrossAttention::load(const Weights& w, int heads) {
    CrossAttention a;
    a.toQ = Linear::load(w.sub("to_q"));
    a.toK = Linear::load(w.sub("to_k"));
    a.toV = Linear::load(w.sub("to_v"));
    a.toOut = Linear::load(w.sub("to_out.0"));
    a.heads = heads;
    if (a.toQ.weight.size(0) % heads != 0)
        throw Error("attention '" + w.prefix() + "': " + std::to_string(a.toQ.weight.size(0)) +
                    " channels cannot be split into " + std::to_string(heads) + " heads");
    return a;
}

at::Tensor CrossAttention::forward(const at::Tensor& x, const at::Tensor& context,
                                   const AttentionOptions& options) const {
    const auto [k, v] = keyValueInputs(context.defined() ? context : x, options);
    return toOut(attention(toQ(x), toK(k), toV(v), heads, options));
}

std::pair<at::Tensor, at::Tensor> CrossAttention::keyValueInputs(const at::Tensor& c, const AttentionOptions& options) {
    if (options.inputPatch) return options.inputPatch->keyValueInputs(c, c);
    return {c, c};
}

at::Tensor CrossAttention::values(const at::Tensor& x, const AttentionOptions& options) const {
    return toOut(toV(keyValueInputs(x, options).second));
}

at::Tensor TransformerPatch::selfAttention(const CrossAttention& attention, const at::Tensor& x, const AttentionOptions& options,
                                           int /*transformerIndex*/, int /*block*/) const {
    return attention.forward(x, at::Tensor(), options);
}

TransformerBlock TransformerBlock::load(const Weights& w, int heads) {
    TransformerBlock b;
    b.norm1 = LayerNorm::load(w.sub("norm1"));
    b.norm2 = LayerNorm::load(w.sub("norm2"));
    b.norm3 = LayerNorm::load(w.sub("norm3"));
    b.selfAttention = CrossAttention::load(w.sub("attn1"), heads);
    b.crossAttention = CrossAttention::load(w.sub("attn2"), heads);
    b.geglu = Linear::load(w.sub("ff.net.0.proj"));
    b.ffOut = Linear::load(w.sub("ff.net.2"));
    return b;
}

at::Tensor TransformerBlock::forward(const at::Tensor& x0, const at::Tensor& context,
                                     const AttentionOptions& options, const TransformerPatch* patch) const {
    const at::Tensor n = norm1(x0);
    const bool replaced = patch && patch->replacesSelfAttention(index, position);
    at::Tensor x = (replaced ? patch->selfAttention(selfAttention, n, options, index, position)
                             : selfAttention.forward(n, at::Tensor(), options))
                       .add_(x0);
    if (patch) x = patch->afterSelfAttention(x, index, selfAttention.heads);
    x = crossAttention.forward(norm2(x), context, options).add_(x);
    return ffOut(fused::geglu(geglu(norm3(x)))).add_(x);
}

SpatialTransformer SpatialTransformer::load(const Weights& w, int heads, int depth, bool linearProjection) {
    SpatialTransformer s;
    s.norm = GroupNorm::load(w.sub("norm"), 1e-6);
    s.linearProjection = linearProjection;
    if (linearProjection) {
        s.linearIn = Linear::load(w.sub("proj_in"));
        s.linearOut = Linear::load(w.sub("proj_out"));
    } else {
        s.convIn = Conv2d::load(w.sub("proj_in"));
        s.convOut = Conv2d::load(w.sub("proj_out"));
    }
    for (int i = 0; i < depth; ++i) {
        s.blocks.push_back(TransformerBlock::load(w.sub("transformer_blocks." + std::to_string(i)), heads));
        s.blocks.back().position = i;
    }
    return s;
}

at::Tensor SpatialTransformer::forward(const at::Tensor& x, const at::Tensor& context,
                                       const AttentionOptions& options, const TransformerPatch* patch) const {
    const int64_t b = x.size(0), h = x.size(2), w = x.size(3);
    at::Tensor t = norm(x);
    if (!linearProjection) t = convIn(t);
    // b c h w -> b (h w) c: a view when x is channels-last, as the fast path keeps it.
    t = t.permute({0, 2, 3, 1}).reshape({b, h * w, t.size(1)});
    if (linearProjection) t = linearIn(t);
    for (const auto& block : blocks) t = block.forward(t, context, options, patch);
    if (linearProjection) t = linearOut(t);
    t = t.reshape({b, h, w, t.size(2)}).permute({0, 3, 1, 2});
    if (!linearProjection) t = convOut(t);
    return t.add_(x);
}

}  // namespace tessera::engine
