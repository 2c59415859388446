#include "core/common/error.h"
#include "core/engine/networks/attention.h"
#include "tests/support/tensor_compare.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

using namespace tessera;
using namespace tessera::engine;

namespace {

// Straightforward float64 multi-head attention.
at::Tensor naiveAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int heads) {
    const int64_t b = q.size(0), d = q.size(2) / heads;
    auto split = [&](const at::Tensor& x) {
        return x.to(at::kDouble).reshape({x.size(0), x.size(1), heads, d}).permute({0, 2, 1, 3}).expand({b, heads, x.size(1), d});
    };
    const at::Tensor scores = at::matmul(split(q), split(k).transpose(-1, -2)) / std::sqrt(double(d));
    const at::Tensor out = at::matmul(at::softmax(scores, -1), split(v));
    return out.permute({0, 2, 1, 3}).reshape({b, q.size(1), heads * d});
}

struct Qkv {
    at::Tensor q, k, v;
};

Qkv randomQkv(int64_t batch, int64_t tq, int64_t tk, int64_t channels) {
    at::manual_seed(7);
    return {at::randn({batch, tq, channels}) * 2, at::randn({batch, tk, channels}) * 2, at::randn({batch, tk, channels})};
}

using tessera::test::maxAbsDiff;

}  // namespace

TEST(Attention, MatchesNaiveMultiHeadAttention) {
    const Qkv t = randomQkv(2, 37, 21, 32);
    const at::Tensor got = attention(t.q, t.k, t.v, 4);
    EXPECT_EQ(got.sizes(), t.q.sizes());
    EXPECT_LT(maxAbsDiff(got, naiveAttention(t.q, t.k, t.v, 4)), 1e-5);
}

TEST(Attention, QuerySlicesGiveTheUnslicedResult) {
    const Qkv t = randomQkv(2, 301, 301, 64);
    const at::Tensor whole = attention(t.q, t.k, t.v, 8);
    AttentionOptions chunked;
    chunked.queryChunk = 17;  // 301 = 17*17 + 12: a ragged last slice too
    // Equal up to float32 GEMM rounding (BLAS blocks differently for different slice shapes).
    const at::Tensor sliced = attention(t.q, t.k, t.v, 8, chunked);
    EXPECT_LT(maxAbsDiff(sliced, whole), 1e-5);
    EXPECT_LT(maxAbsDiff(sliced, naiveAttention(t.q, t.k, t.v, 8)), 1e-5);
}

TEST(Attention, MemoryBudgetSlicesOverHeadsAndRowsWithTheSameResult) {
    const Qkv t = randomQkv(2, 256, 256, 64);
    const at::Tensor whole = attention(t.q, t.k, t.v, 8);
    for (int64_t budget : {int64_t(256 * 256 * 4 * 3), int64_t(256 * 4 * 10), int64_t(1)}) {
        AttentionOptions o;
        o.maxSliceBytes = budget;  // several heads per slice; 10 rows per slice; one row per slice
        const at::Tensor sliced = attention(t.q, t.k, t.v, 8, o);
        EXPECT_LT(maxAbsDiff(sliced, whole), 1e-5) << "budget " << budget;
        EXPECT_LT(maxAbsDiff(sliced, naiveAttention(t.q, t.k, t.v, 8)), 1e-5) << "budget " << budget;
    }
}

TEST(Attention, CrossAttentionBroadcastsBatchOneContext) {
    const Qkv t = randomQkv(3, 20, 9, 16);
    const at::Tensor k1 = t.k.narrow(0, 0, 1), v1 = t.v.narrow(0, 0, 1);
    const at::Tensor got = attention(t.q, k1, v1, 2);
    EXPECT_LT(maxAbsDiff(got, naiveAttention(t.q, k1, v1, 2)), 1e-5);
}

TEST(Attention, ReducedPrecisionStaysWithinTheRoundingOfItsScores) {
    const Qkv t = randomQkv(1, 64, 64, 32);
    const at::Tensor got = attention(t.q.to(at::kBFloat16), t.k.to(at::kBFloat16), t.v.to(at::kBFloat16), 4);
    EXPECT_EQ(got.scalar_type(), at::kBFloat16);
    const at::Tensor want = naiveAttention(t.q.to(at::kBFloat16), t.k.to(at::kBFloat16), t.v.to(at::kBFloat16), 4);
    // bfloat16 keeps 8 bits: these scores reach about 15 (inputs of standard deviation 2), so each is
    // rounded by up to 0.03 before the softmax (computed in float32), and the output by 2^-9 relative.
    EXPECT_LT(maxAbsDiff(got, want), 0.1);
    EXPECT_LT((got.to(at::kDouble) - want).norm().item<double>() / want.norm().item<double>(), 0.02);
}

TEST(Attention, RejectsChannelsThatDoNotSplitIntoHeads) {
    const Qkv t = randomQkv(1, 4, 4, 30);
    try {
        attention(t.q, t.k, t.v, 8);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("30 channels cannot be split into 8 heads"), std::string::npos) << e.what();
    }
}
