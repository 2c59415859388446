#include "core/common/error.h"
#include "core/engine/compute/attention_kernels.h"
#include "core/engine/networks/attention.h"
#include "tests/support/tensor_compare.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

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
using tessera::test::relativeError;

AttentionOptions withFusedKernel(bool on) {
    AttentionOptions o;
    o.fusedCpuKernel = on;
    return o;
}

}  // namespace

TEST(Attention, MatchesNaiveMultiHeadAttention) {
    const Qkv t = randomQkv(2, 37, 21, 32);
    for (bool on : {false, true}) {
        const at::Tensor got = attention(t.q, t.k, t.v, 4, withFusedKernel(on));
        EXPECT_EQ(got.sizes(), t.q.sizes());
        EXPECT_LT(maxAbsDiff(got, naiveAttention(t.q, t.k, t.v, 4)), 1e-5) << (on ? "fused" : "BLAS");
    }
}

TEST(Attention, QuerySlicesGiveTheUnslicedResult) {
    const Qkv t = randomQkv(2, 301, 301, 64);
    const at::Tensor whole = attention(t.q, t.k, t.v, 8, withFusedKernel(false));
    AttentionOptions chunked = withFusedKernel(false);
    chunked.queryChunk = 17;  // 301 = 17*17 + 12: a ragged last slice too
    // Equal up to float32 GEMM rounding (BLAS blocks differently for different slice shapes).
    const at::Tensor sliced = attention(t.q, t.k, t.v, 8, chunked);
    EXPECT_LT(maxAbsDiff(sliced, whole), 1e-5);
    EXPECT_LT(maxAbsDiff(sliced, naiveAttention(t.q, t.k, t.v, 8)), 1e-5);
}

TEST(Attention, MemoryBudgetSlicesOverHeadsAndRowsWithTheSameResult) {
    const Qkv t = randomQkv(2, 256, 256, 64);
    const at::Tensor whole = attention(t.q, t.k, t.v, 8, withFusedKernel(false));
    for (int64_t budget : {int64_t(256 * 256 * 4 * 3), int64_t(256 * 4 * 10), int64_t(1)}) {
        AttentionOptions o = withFusedKernel(false);
        o.maxSliceBytes = budget;  // several heads per slice; 10 rows per slice; one row per slice
        const at::Tensor sliced = attention(t.q, t.k, t.v, 8, o);
        EXPECT_LT(maxAbsDiff(sliced, whole), 1e-5) << "budget " << budget;
        EXPECT_LT(maxAbsDiff(sliced, naiveAttention(t.q, t.k, t.v, 8)), 1e-5) << "budget " << budget;
    }
}

TEST(Attention, CrossAttentionBroadcastsBatchOneContext) {
    const Qkv t = randomQkv(3, 20, 9, 16);
    const at::Tensor k1 = t.k.narrow(0, 0, 1), v1 = t.v.narrow(0, 0, 1);
    for (bool on : {false, true}) {
        ASSERT_EQ(fusedCpuAttentionApplies(t.q, k1, v1, 2, withFusedKernel(on)), on);
        const at::Tensor got = attention(t.q, k1, v1, 2, withFusedKernel(on));
        EXPECT_LT(maxAbsDiff(got, naiveAttention(t.q, k1, v1, 2)), 1e-5) << (on ? "fused" : "BLAS");
    }
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

TEST(Attention, NoQueryTokensGiveAnEmptyResult) {
    // The query-chunk planner divided by the query count (SIGFPE) on the products' path.
    const at::Tensor q = at::zeros({2, 0, 32}), k = at::randn({2, 5, 32});
    for (bool on : {false, true}) EXPECT_EQ(attention(q, k, k, 4, withFusedKernel(on)).sizes(), q.sizes()) << on;
}

TEST(Attention, RejectsKeysWithNoTokens) {
    // An empty conditioning once divided by zero in the query-chunk planner (SIGFPE); either path now says so.
    const Qkv t = randomQkv(1, 4, 4, 32);
    const at::Tensor none = at::zeros({1, 0, 32});
    for (bool on : {false, true}) {
        try {
            attention(t.q, none, none, 4, withFusedKernel(on));
            FAIL() << "no error";
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find("no tokens to attend to"), std::string::npos) << e.what();
        }
    }
}

// The fused float32 kernels (compute/attention_kernels) take every head width they accept at every tile
// edge: query rows around their blocks of 24, tiles of 6 and 4 rows; key counts around the panels of 16
// and blocks of 128; heads from one value (padded to a vector) to 32 vectors.
TEST(FusedCpuAttention, MatchesFloat64AtEveryTileEdge) {
    struct Case {
        int64_t tq, tk, width, heads;
    };
    std::vector<Case> cases;
    for (int64_t width : {1, 3, 4, 8, 12, 16, 24, 40, 64, 80, 160, 255, 256})
        cases.push_back({25, 77, width, width >= 160 ? 1 : 2});
    for (int64_t tq : {1, 4, 5, 6, 7, 23, 24, 49}) cases.push_back({tq, 33, 40, 2});
    for (int64_t tk : {1, 15, 16, 17, 127, 128, 129, 300}) cases.push_back({13, tk, 40, 2});
    for (const Case& c : cases) {
        at::manual_seed(11);
        const at::Tensor q = at::randn({2, c.tq, c.width * c.heads}) * 2, k = at::randn({2, c.tk, c.width * c.heads}) * 2,
                         v = at::randn({2, c.tk, c.width * c.heads});
        const std::string where = "queries " + std::to_string(c.tq) + ", keys " + std::to_string(c.tk) + ", head width " +
                                  std::to_string(c.width) + ", " + std::to_string(c.heads) + " heads";
        ASSERT_TRUE(fusedCpuAttentionApplies(q, k, v, int(c.heads), withFusedKernel(true))) << where;
        const at::Tensor got = attention(q, k, v, int(c.heads), withFusedKernel(true));
        // float32 rounding: libtorch's products reach 1.3e-6 here, the fused tiles 2.6e-6 at width 256.
        EXPECT_LT(relativeError(got, naiveAttention(q, k, v, int(c.heads))), 5e-6) << where;
    }
}

TEST(FusedCpuAttention, ReadsStridedInputsInPlace) {
    // Each of q, k, v a column slice of a wider tensor (row stride 3 x 80), as a fused projection gives them.
    at::manual_seed(3);
    const at::Tensor qkv = at::randn({2, 100, 240});
    const at::Tensor q = qkv.narrow(2, 0, 80), k = qkv.narrow(2, 80, 80), v = qkv.narrow(2, 160, 80);
    ASSERT_FALSE(q.is_contiguous());
    const at::Tensor got = attention(q, k, v, 2, withFusedKernel(true));
    EXPECT_LT(relativeError(got, naiveAttention(q, k, v, 2)), 2e-6);
    EXPECT_TRUE(got.is_contiguous());
}

TEST(FusedCpuAttention, LargeScoresGiveTheWinningKeysValuesNotOverflow) {
    // Scores of +-1e4: exp of (score - max) spans thousands, far past float32's range both ways.
    at::manual_seed(5);
    const at::Tensor q = at::randn({1, 30, 64}) * 100, k = at::randn({1, 50, 64}) * 100, v = at::randn({1, 50, 64});
    const at::Tensor got = attention(q, k, v, 1, withFusedKernel(true));
    ASSERT_TRUE(at::isfinite(got).all().item<bool>());
    EXPECT_LT(relativeError(got, naiveAttention(q, k, v, 1)), 2e-6);
}

TEST(FusedCpuAttention, ANaNQueryRowStaysInItsRow) {
    const Qkv t = randomQkv(1, 30, 40, 32);
    at::Tensor q = t.q.clone();
    q[0][7][3] = std::numeric_limits<float>::quiet_NaN();
    const at::Tensor got = attention(q, t.k, t.v, 4, withFusedKernel(true));
    // The NaN is in head 0 (channels 0-7): that head's output for query 7 is NaN, everything else as before.
    EXPECT_TRUE(at::isnan(got[0][7].narrow(0, 0, 8)).all().item<bool>());
    at::Tensor rest = got.clone();
    rest[0][7].narrow(0, 0, 8).zero_();
    at::Tensor want = naiveAttention(t.q, t.k, t.v, 4);
    want[0][7].narrow(0, 0, 8).zero_();
    EXPECT_LT(maxAbsDiff(rest, want), 1e-5);
}

TEST(FusedCpuAttention, NarrowHeadsWriteOnlyTheirOwnColumns) {
    // 4-wide heads (the tiny test models' 32 channels in 8 heads) have their values and rows of the result
    // padded to 8 in each task: written in place, each head's padding would land on the next head's columns,
    // which another task may already have written. Every head is checked against float64, the last one too.
    at::manual_seed(9);
    const at::Tensor q = at::randn({2, 50, 32}) * 2, k = at::randn({1, 70, 32}) * 2, v = at::randn({1, 70, 32});
    const at::Tensor got = attention(q, k, v, 8, withFusedKernel(true));
    const at::Tensor want = naiveAttention(q, k, v, 8);
    for (int64_t h = 0; h < 8; ++h)
        EXPECT_LT(relativeError(got.narrow(2, 4 * h, 4), want.narrow(2, 4 * h, 4)), 2e-6) << "head " << h;
    EXPECT_LT(maxAbsDiff(got, attention(q, k, v, 8, withFusedKernel(false))), 1e-5);
}

TEST(FusedCpuAttention, TakesOnlyFloat32AndTheHeadWidthsItIsBuiltFor) {
    const Qkv t = randomQkv(1, 8, 8, 512);
    EXPECT_FALSE(fusedCpuAttentionApplies(t.q, t.k, t.v, 1, withFusedKernel(true)));   // a VAE's 512-wide head
    EXPECT_TRUE(fusedCpuAttentionApplies(t.q, t.k, t.v, 2, withFusedKernel(true)));    // 256
    EXPECT_TRUE(fusedCpuAttentionApplies(t.q, t.k, t.v, 128, withFusedKernel(true)));  // 4: values padded to 8
    EXPECT_FALSE(fusedCpuAttentionApplies(t.q, t.k, t.v, 2, withFusedKernel(false)));
    EXPECT_FALSE(fusedCpuAttentionApplies(t.q, t.k, t.v, 3, withFusedKernel(true)));  // 512 channels do not split in 3
    EXPECT_FALSE(fusedCpuAttentionApplies(t.q, t.k, t.v, 0, withFusedKernel(true)));
    const at::Tensor h = t.q.to(at::kBFloat16);
    EXPECT_FALSE(fusedCpuAttentionApplies(h, h, h, 2, withFusedKernel(true)));

    // Where the options leave it to the CPU: the x86 CPUs with AVX2 and FMA and no AVX-512.
    EXPECT_EQ(fusedCpuAttentionApplies(t.q, t.k, t.v, 2, AttentionOptions{}), kernels::fusedAttentionPaysOnThisCpu());
}
