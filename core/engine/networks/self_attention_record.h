#pragma once
// SelfAttentionGuidance's recording call (ComfyUI's nodes_sag.py: an "attn1" replace patch on the block
// ("middle", 0, 0)): the first block of the middle block's first transformer computes its self-attention
// with explicit softmax scores and keeps the scores of some of the batch's rows (the negative prompt's).
// Wraps the call's other transformer patches, which run as before elsewhere.
#include "core/engine/networks/transformer_patch.h"

#include <ATen/core/Tensor.h>

#include <utility>

namespace tessera::engine {

// Scores recorded by the last call that recorded: [rows * heads, tokens, tokens], float32.
struct AttentionRecord {
    at::Tensor scores;
};

// Attention that also returns its softmax scores, as ldm's basic attention computes them (float32 scores):
// q, k, v [B, tokens, heads * width] -> (output [B, tokens, heads * width], scores [B, heads, tokens, keys]).
std::pair<at::Tensor, at::Tensor> attentionWithScores(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                                      int heads);

class RecordingSelfAttention final : public SelfAttentionReplacement {
public:
    // Records rows [firstRow, firstRow + rows) of the batch at block 0 of transformer `transformerIndex`.
    RecordingSelfAttention(const TransformerPatch* inner, int transformerIndex, int64_t firstRow, int64_t rows,
                           AttentionRecord& record)
        : SelfAttentionReplacement(inner), transformerIndex_(transformerIndex), firstRow_(firstRow), rows_(rows),
          record_(record) {}

private:
    bool replaces(int transformerIndex, int block) const override {
        return transformerIndex == transformerIndex_ && block == 0;
    }
    at::Tensor replaced(const CrossAttention& attention, const at::Tensor& x, const AttentionOptions& options) const override;

    int transformerIndex_;
    int64_t firstRow_, rows_;
    AttentionRecord& record_;
};

}  // namespace tessera::engine
