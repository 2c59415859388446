#include "core/common/error.h"
#include "core/engine/networks/attention.h"
#include "core/engine/compute/cpu_kernels.h"
#include "core/engine/compute/fused_ops.h"
#include "tests/support/tensor_compare.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

using namespace tessera;
using namespace tessera::engine;

namespace {

using tessera::test::maxAbsDiff;

// Float64 GroupNorm (+ offset, + SiLU) written out from its definition.
at::Tensor referenceGroupNorm(const at::Tensor& x, int64_t groups, const at::Tensor& w, const at::Tensor& b, double eps,
                              bool silu, const at::Tensor& offset) {
    at::Tensor v = x.to(at::kDouble);
    if (offset.defined()) v = v + offset.to(at::kDouble).reshape({x.size(0), x.size(1), 1, 1});
    const int64_t n = x.size(0), c = x.size(1);
    const at::Tensor grouped = v.reshape({n, groups, -1});
    const at::Tensor mean = grouped.mean(-1, true);
    const at::Tensor var = (grouped - mean).pow(2).mean(-1, true);
    at::Tensor y = ((grouped - mean) / (var + eps).sqrt()).reshape(v.sizes());
    y = y * w.to(at::kDouble).reshape({1, c, 1, 1}) + b.to(at::kDouble).reshape({1, c, 1, 1});
    return silu ? y * at::sigmoid(y) : y;
}

struct NormCase {
    at::Tensor x, w, b, offset;
};

NormCase normCase(int64_t n, int64_t c, int64_t h, int64_t w) {
    at::manual_seed(11);
    // A large common mean tests the two-pass variance.
    return {at::randn({n, c, h, w}) * 3 + 20, at::randn({c}), at::randn({c}), at::randn({n, c}) * 4};
}

}  // namespace

TEST(FusedOps, GroupNormMatchesItsDefinitionInBothLayouts) {
    const NormCase t = normCase(2, 64, 9, 7);
    for (const bool silu : {false, true}) {
        for (const bool withOffset : {false, true}) {
            const at::Tensor offset = withOffset ? t.offset : at::Tensor();
            const at::Tensor want = referenceGroupNorm(t.x, 32, t.w, t.b, 1e-5, silu, offset);
            const at::Tensor nchw = fused::groupNorm(t.x, 32, t.w, t.b, 1e-5, silu, offset);
            const at::Tensor nhwc =
                fused::groupNorm(t.x.contiguous(at::MemoryFormat::ChannelsLast), 32, t.w, t.b, 1e-5, silu, offset);
            EXPECT_LT(maxAbsDiff(nchw, want), 2e-5) << "silu " << silu << " offset " << withOffset;
            EXPECT_LT(maxAbsDiff(nhwc, want), 2e-5) << "silu " << silu << " offset " << withOffset;
            EXPECT_TRUE(nhwc.is_contiguous(at::MemoryFormat::ChannelsLast));
            EXPECT_TRUE(nchw.is_contiguous());
        }
    }
}

TEST(FusedOps, GroupNormAgreesWithLibtorch) {
    const NormCase t = normCase(1, 320, 16, 16);
    const at::Tensor want = at::silu(at::group_norm(t.x, 32, t.w, t.b, 1e-6));
    EXPECT_LT(maxAbsDiff(fused::groupNorm(t.x, 32, t.w, t.b, 1e-6, true), want), 2e-5);
}

TEST(FusedOps, Bfloat16GroupNormIsAsCloseAsTheRoundingOfItsOutput) {
    const NormCase t = normCase(2, 64, 12, 12);
    const at::Tensor want = referenceGroupNorm(t.x, 32, t.w, t.b, 1e-5, true, t.offset);
    const at::Tensor x = t.x.to(at::kBFloat16).contiguous(at::MemoryFormat::ChannelsLast);
    // The reference on the same bf16-rounded input: what remains is the output's own rounding (2^-9 relative).
    const at::Tensor wantRounded = referenceGroupNorm(x.to(at::kFloat), 32, t.w, t.b, 1e-5, true, t.offset);
    const at::Tensor got = fused::groupNorm(x, 32, t.w, t.b, 1e-5, true, t.offset);
    EXPECT_EQ(got.scalar_type(), at::kBFloat16);
    EXPECT_TRUE(got.is_contiguous(at::MemoryFormat::ChannelsLast));
    const double bound = wantRounded.abs().max().item<double>() * std::ldexp(1.0, -8);
    EXPECT_LT(maxAbsDiff(got, wantRounded), bound);
    EXPECT_LT(maxAbsDiff(got, want), 0.1);  // the input's rounding at mean 20 moves values by up to ~0.06
    EXPECT_LT(maxAbsDiff(fused::groupNorm(x.contiguous(), 32, t.w, t.b, 1e-5, true, t.offset), wantRounded), bound);
}

TEST(FusedOps, GroupNormNamesBadShapes) {
    const at::Tensor x = at::zeros({1, 30, 4, 4});
    try {
        fused::groupNorm(x, 32, at::ones({30}), at::zeros({30}), 1e-5, false);
        FAIL() << "30 channels in 32 groups was accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("multiple of 32"), std::string::npos) << e.what();
    }
}

TEST(FusedOps, LayerNormMatchesLibtorch) {
    at::manual_seed(3);
    const at::Tensor x = at::randn({2, 77, 96}) * 2 + 5, w = at::randn({96}), b = at::randn({96});
    const at::Tensor want = at::layer_norm(x.to(at::kDouble), {96}, w.to(at::kDouble), b.to(at::kDouble), 1e-5);
    EXPECT_LT(maxAbsDiff(fused::layerNorm(x, w, b, 1e-5), want), 2e-5);
    const at::Tensor xb = x.to(at::kBFloat16);
    const at::Tensor wantRounded =
        at::layer_norm(xb.to(at::kDouble), {96}, w.to(at::kDouble), b.to(at::kDouble), 1e-5);
    EXPECT_LT(maxAbsDiff(fused::layerNorm(xb, w, b, 1e-5), wantRounded), wantRounded.abs().max().item<double>() / 256);
}

TEST(FusedOps, GegluIsFirstHalfTimesExactGeluOfSecondHalf) {
    at::manual_seed(5);
    const at::Tensor x = at::randn({3, 5, 2 * 40}) * 3;
    const auto parts = x.to(at::kDouble).chunk(2, -1);
    const at::Tensor want = parts[0] * at::gelu(parts[1]);
    const at::Tensor got = fused::geglu(x);
    EXPECT_EQ(got.sizes(), (std::vector<int64_t>{3, 5, 40}));
    EXPECT_LT(maxAbsDiff(got, want), 1e-5);
    const at::Tensor gotBf16 = fused::geglu(x.to(at::kBFloat16));
    const auto rounded = x.to(at::kBFloat16).to(at::kDouble).chunk(2, -1);
    const at::Tensor wantRounded = rounded[0] * at::gelu(rounded[1]);
    EXPECT_LT(maxAbsDiff(gotBf16, wantRounded), wantRounded.abs().max().item<double>() / 256);
}

TEST(FusedOps, ScalarKernelsAreAccurate) {
    double worstExp = 0, worstErf = 0;
    for (double d = -80; d < 80; d += 0.0371) {
        const float v = float(d), u = float(d / 20);
        worstExp = std::max(worstExp, std::abs(kernels::expApprox(v) - std::exp(double(v))) / std::exp(double(v)));
        worstErf = std::max(worstErf, std::abs(kernels::erfApprox(u) - std::erf(double(u))));
    }
    EXPECT_LT(worstExp, 3e-7);
    EXPECT_LT(worstErf, 6e-7);
    EXPECT_EQ(kernels::floatToBf16(1.0f), 0x3F80);
    EXPECT_EQ(kernels::floatToBf16(1.00390625f), 0x3F80);  // a tie rounds to even
    EXPECT_EQ(kernels::floatToBf16(1.01171875f), 0x3F82);  // a tie rounds to even (up)
    EXPECT_TRUE(std::isnan(kernels::bf16ToFloat(kernels::floatToBf16(std::nanf("")))));
    EXPECT_EQ(kernels::bf16ToFloat(kernels::floatToBf16(-2.5f)), -2.5f);
}

TEST(FusedOps, EveryFloat16ValueWidensAsLibtorchWidensIt) {
    // All 65,536 float16 bit patterns (subnormals, both zeros, infinities, NaNs), through every way Tessera
    // widens them: the scalar bit decoder (the row loop of CPUs without F16C) on every CPU, the row loop this
    // CPU takes (F16C where it has it) from an odd start and length so that its scalar tail runs, the
    // threaded conversion of weights at load, and rounding on to bfloat16.
    const at::Tensor half = at::arange(0, 65536, at::kInt).to(at::kShort).view(at::kHalf);
    const at::Tensor want = half.to(at::kFloat);
    const at::Tensor wantBf16 = want.to(at::kBFloat16);
    const float* wanted = want.data_ptr<float>();
    const auto* bits = reinterpret_cast<const uint16_t*>(half.data_ptr<at::Half>());

    at::Tensor row = at::full({65536}, -1.0f);
    kernels::halfToFloatRow(bits + 1, 65533, row.data_ptr<float>() + 1);
    at::Tensor converted = at::empty({65536}, at::kFloat), convertedBf16 = at::empty({65536}, at::kBFloat16);
    fused::convertInto(half, converted);
    fused::convertInto(half, convertedBf16);
    const at::Tensor bf16Widened = convertedBf16.to(at::kFloat), wantBf16Widened = wantBf16.to(at::kFloat);

    const auto same = [](float got, float want) {
        return std::isnan(want) ? std::isnan(got) : __builtin_bit_cast(uint32_t, got) == __builtin_bit_cast(uint32_t, want);
    };
    int64_t wrongScalar = 0, wrongRow = 0, wrongConverted = 0, wrongBf16 = 0;
    for (int64_t i = 0; i < 65536; ++i) {
        wrongScalar += !same(kernels::halfToFloat(bits[i]), wanted[i]);
        wrongRow += i >= 1 && i < 65534 && !same(row.data_ptr<float>()[i], wanted[i]);
        wrongConverted += !same(converted.data_ptr<float>()[i], wanted[i]);
        wrongBf16 += !same(bf16Widened.data_ptr<float>()[i], wantBf16Widened.data_ptr<float>()[i]);
    }
    EXPECT_EQ(wrongScalar, 0);
    EXPECT_EQ(wrongRow, 0);
    EXPECT_EQ(wrongConverted, 0);
    EXPECT_EQ(wrongBf16, 0);
    EXPECT_EQ(row.data_ptr<float>()[0], -1.0f);  // nothing written outside the row
    EXPECT_EQ(row.data_ptr<float>()[65534], -1.0f);
}

TEST(FusedOps, SoftmaxRowMatchesLibtorch) {
    at::manual_seed(9);
    const at::Tensor x = at::randn({1000}) * 8;
    at::Tensor y = at::empty({1000});
    std::vector<float> scratch(1000);
    kernels::softmaxRow(x.data_ptr<float>(), 1000, 0.5f, scratch.data(), y.data_ptr<float>());
    EXPECT_LT(maxAbsDiff(y, at::softmax(x.to(at::kDouble) * 0.5, 0)), 1e-7);
}

TEST(FusedOps, Bfloat16AttentionIsCloseToFloat32) {
    at::manual_seed(13);
    const at::Tensor q = at::randn({2, 300, 64}), k = at::randn({2, 300, 64}), v = at::randn({2, 300, 64});
    const at::Tensor want = attention(q, k, v, 4);
    const at::Tensor got = attention(q.to(at::kBFloat16), k.to(at::kBFloat16), v.to(at::kBFloat16), 4);
    EXPECT_EQ(got.scalar_type(), at::kBFloat16);
    const double rel = (got.to(at::kFloat) - want).norm().item<double>() / want.norm().item<double>();
    EXPECT_LT(rel, 0.02);
}

TEST(FusedOps, CpuAttentionChunksFitTheCacheAndTheBudget) {
    AttentionOptions o;
    EXPECT_EQ(cpuAttentionQueryChunk(4096, 4096, 2, o), kCpuAttentionScoreBytes / (4096 * 2));  // 128 rows
    EXPECT_EQ(cpuAttentionQueryChunk(4096, 4096, 4, o), kCpuAttentionScoreBytes / (4096 * 4));
    EXPECT_EQ(cpuAttentionQueryChunk(4096, 77, 2, o), 4096);  // cross-attention: one chunk per head
    o.maxSliceBytes = 4096 * 4 * 3;
    EXPECT_LE(cpuAttentionQueryChunk(4096, 4096, 4, o), 3);
    o.queryChunk = 5;
    EXPECT_EQ(cpuAttentionQueryChunk(4096, 4096, 4, o), 5);
}
