#pragma once
// Multi-head scaled dot-product attention, softmax(q k^T / sqrt(d)) v, computed in slices so that
// the tokens x tokens score matrix never exceeds a memory budget (libtorch 1.13 has no fused kernel).
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace tessera::engine {

struct AttentionOptions {
    // Upper bound for one slice of float32 scores (batch*heads x queries x keys). 128 MiB: two heads
    // of a 512x512 image's self-attention (4096 x 4096 tokens), softmax output included 256 MiB.
    int64_t maxSliceBytes = int64_t(128) << 20;
    // For tests: force this many query rows per slice (0 = choose from maxSliceBytes).
    int64_t queryChunk = 0;
};

// How attention() slices its scores: `headChunk` (batch*heads) slices of `queryChunk` rows each,
// so that headChunk * queryChunk * keys float32 scores fit options.maxSliceBytes.
struct AttentionSlicing {
    int64_t headChunk = 1;
    int64_t queryChunk = 1;
};
AttentionSlicing planAttentionSlices(int64_t batchHeads, int64_t queries, int64_t keys, const AttentionOptions& options);

// q: [B, Tq, heads*D], k and v: [B, Tk, heads*D] (k/v may have batch 1, broadcast) -> [B, Tq, heads*D].
// Scores and softmax are float32 even for half/bfloat16 inputs; the result has q's dtype.
at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int heads,
                     const AttentionOptions& options = {});

}  // namespace tessera::engine
