#pragma once
// Multi-head scaled dot-product attention, softmax(q k^T / sqrt(d)) v, computed in slices so that
// the tokens x tokens score matrix never exceeds a memory budget (libtorch 1.13 has no fused kernel).
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <utility>

namespace tessera::engine {

// ComfyUI's attn1/attn2 patches as a hypernetwork uses them: replaces the key and value inputs of
// a UNet attention layer (before to_k / to_v), for self- and cross-attention alike.
class AttentionInputPatch {
public:
    virtual ~AttentionInputPatch() = default;
    // The layer's key and value inputs [B, tokens, dim] (the same tensor unless an earlier patch
    // changed them) -> the new key input and value input.
    virtual std::pair<at::Tensor, at::Tensor> keyValueInputs(const at::Tensor& key, const at::Tensor& value) const = 0;
};

struct AttentionOptions {
    // Upper bound for one slice of float32 scores (batch*heads x queries x keys). 128 MiB: two heads
    // of a 512x512 image's self-attention (4096 x 4096 tokens), softmax output included 256 MiB.
    int64_t maxSliceBytes = int64_t(128) << 20;
    // For tests: force this many query rows per slice (0 = choose from maxSliceBytes).
    int64_t queryChunk = 0;
    // float32 on the CPU: the fused kernels (compute/attention_kernels; they hold 24 query rows of scores
    // per thread and need neither option above) or libtorch's products per query chunk. Unset: fused
    // where the head width allows it and the CPU is one it was measured faster on
    // (kernels::fusedAttentionPaysOnThisCpu); tests set it to check both.
    std::optional<bool> fusedCpuKernel;
    // The UNet's transformer blocks apply this to their attention inputs (HypernetworkLoader).
    std::shared_ptr<const AttentionInputPatch> inputPatch;
};

// How attention() slices its scores: `headChunk` (batch*heads) slices of `queryChunk` rows each,
// so that headChunk * queryChunk * keys float32 scores fit options.maxSliceBytes.
struct AttentionSlicing {
    int64_t headChunk = 1;
    int64_t queryChunk = 1;
};
AttentionSlicing planAttentionSlices(int64_t batchHeads, int64_t queries, int64_t keys, const AttentionOptions& options);

// On the CPU, attention runs in query chunks of about this many bytes of scores per task, each chunk's
// scores, softmax and output computed together while they are in the cache. Smaller chunks starve the
// matrix products (a 16 x 40 x 4096 bfloat16 product runs at a tenth of the speed of a 128-row one).
// Bounded also by maxSliceBytes over all threads.
constexpr int64_t kCpuAttentionScoreBytes = int64_t(1) << 20;
// Whether attention() takes the fused float32 kernels for these inputs (options.fusedCpuKernel, the head
// width, the CPU).
bool fusedCpuAttentionApplies(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int heads,
                              const AttentionOptions& options);
// The fused float32 kernels take query rows in blocks of this many per task: their scores (4096 keys:
// 384 KiB) stay in the core's L2 cache.
constexpr int64_t kFusedAttentionQueryRows = 24;
int64_t cpuAttentionQueryChunk(int64_t queries, int64_t keys, int64_t elementBytes, const AttentionOptions& options);

// q: [B, Tq, heads*D], k and v: [B, Tk, heads*D] (k/v may have batch 1, broadcast) -> [B, Tq, heads*D].
// Softmax is computed in float32. bfloat16 and float32 on the CPU: scores come from products in q's dtype
// (float32 accumulation) in cache-sized query chunks; other devices and dtypes: float32 scores in slices
// bounded by maxSliceBytes. The result has q's dtype.
at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int heads,
                     const AttentionOptions& options = {});

}  // namespace tessera::engine
