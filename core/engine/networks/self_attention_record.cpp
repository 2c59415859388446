#include "core/engine/networks/self_attention_record.h"

#include "core/engine/networks/spatial_transformer.h"

#include <ATen/ATen.h>

#include <cmath>

namespace tessera::engine {

std::pair<at::Tensor, at::Tensor> attentionWithScores(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                                      int heads) {
    const int64_t batch = q.size(0), width = q.size(2) / heads;
    const auto split = [&](const at::Tensor& t) {  // [B, T, heads*width] -> [B, heads, T, width], float32
        return t.reshape({batch, t.size(1), heads, width}).permute({0, 2, 1, 3}).to(at::kFloat);
    };
    const at::Tensor scores =
        at::softmax(at::matmul(split(q), split(k).transpose(2, 3)) * (1.0 / std::sqrt(double(width))), -1);
    const at::Tensor out = at::matmul(scores, split(v)).permute({0, 2, 1, 3}).reshape({batch, q.size(1), heads * width});
    return {out.to(v.scalar_type()), scores};
}

at::Tensor RecordingSelfAttention::replaced(const CrossAttention& attention, const at::Tensor& x,
                                            const AttentionOptions& options) const {
    const auto [keys, values] = CrossAttention::keyValueInputs(x, options);
    auto [out, scores] = attentionWithScores(attention.toQ(x), attention.toK(keys), attention.toV(values), attention.heads);
    record_.scores = scores.narrow(0, firstRow_, rows_).reshape({-1, scores.size(2), scores.size(3)});
    return attention.toOut(out);
}

}  // namespace tessera::engine
