#include "core/common/error.h"
#include "core/engine/compute/upsample_conv.h"
#include "core/engine/compute/winograd_conv.h"
#include "tests/support/tensor_compare.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

using namespace tessera;
using namespace tessera::engine;

namespace {

using tessera::test::maxAbsDiff;

// The plain way: upsample to twice the size, then the 3x3 convolution with padding 1.
at::Tensor plainUpsampleConv(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
    return at::conv2d(at::upsample_nearest2d(x, {2 * x.size(2), 2 * x.size(3)}), w, b, {1, 1}, {1, 1});
}

}  // namespace

TEST(UpsampleConv, MatchesUpsamplingThenConvolvingInBothLayouts) {
    at::manual_seed(5);
    const at::Tensor x = at::randn({2, 6, 5, 7}), w = at::randn({4, 6, 3, 3}), b = at::randn({4});
    const at::Tensor want = plainUpsampleConv(x.to(at::kDouble), w.to(at::kDouble), b.to(at::kDouble));
    const at::Tensor nchw = upsample2xConv3x3(x, w, b);
    const at::Tensor nhwc = upsample2xConv3x3(x.contiguous(at::MemoryFormat::ChannelsLast), w, b);
    ASSERT_EQ(nchw.sizes(), want.sizes());
    EXPECT_LT(maxAbsDiff(nchw, want), 2e-5);
    EXPECT_LT(maxAbsDiff(nhwc, want), 2e-5);
    EXPECT_TRUE(nchw.is_contiguous());
    EXPECT_TRUE(nhwc.is_contiguous(at::MemoryFormat::ChannelsLast));
    EXPECT_LT(maxAbsDiff(upsample2xConv3x3(x, w, at::Tensor()), want - b.to(at::kDouble).reshape({1, 4, 1, 1})), 2e-5);
}

TEST(UpsampleConv, PhaseKernelsSumTheTapsEachPhaseSees) {
    // One input and one output channel, taps 1..9: the even-row, even-column phase sees the small
    // image's rows i-1, i with kernel rows {0}, {1, 2} and columns likewise.
    const at::Tensor w = at::arange(1, 10, at::kFloat).reshape({1, 1, 3, 3});
    const at::Tensor k = upsampleConvPhaseKernels(w);
    ASSERT_EQ(k.sizes(), (at::IntArrayRef{4, 1, 2, 2}));
    const std::vector<float> sums{1,             2 + 3,         4 + 7, 5 + 6 + 8 + 9,   // a=0 b=0
                                  1 + 2,         3,             4 + 5 + 7 + 8, 6 + 9,   // a=0 b=1
                                  1 + 4,         2 + 3 + 5 + 6, 7,     8 + 9,           // a=1 b=0
                                  1 + 2 + 4 + 5, 3 + 6,         7 + 8, 9};              // a=1 b=1
    const at::Tensor want = at::tensor(sums).reshape({4, 1, 2, 2});
    EXPECT_EQ(maxAbsDiff(k, want), 0.0);
    // Read from and written to channels-last memory: the same kernels.
    const at::Tensor wide = at::randn({5, 6, 3, 3});
    const at::Tensor last = upsampleConvPhaseKernels(wide.contiguous(at::MemoryFormat::ChannelsLast), at::MemoryFormat::ChannelsLast);
    EXPECT_TRUE(last.is_contiguous(at::MemoryFormat::ChannelsLast));
    EXPECT_EQ(maxAbsDiff(last, upsampleConvPhaseKernels(wide)), 0.0);
}

TEST(UpsampleConv, Bfloat16SumsTapsInFloat32AndRoundsOnce) {
    at::manual_seed(6);
    const at::Tensor w = at::randn({8, 16, 3, 3});
    const at::Tensor wb = w.to(at::kBFloat16);
    const at::Tensor k = upsampleConvPhaseKernels(wb);
    EXPECT_EQ(k.scalar_type(), at::kBFloat16);
    // The float32 sums of the same bf16 taps, rounded once, are exactly what it holds.
    EXPECT_EQ(maxAbsDiff(k, upsampleConvPhaseKernels(wb.to(at::kFloat)).to(at::kBFloat16)), 0.0);

    const at::Tensor x = at::randn({1, 16, 6, 6}).to(at::kBFloat16).contiguous(at::MemoryFormat::ChannelsLast);
    const at::Tensor b = at::randn({8}).to(at::kBFloat16);
    const at::Tensor want = plainUpsampleConv(x.to(at::kDouble), wb.to(at::kDouble), b.to(at::kDouble));
    const at::Tensor got = upsample2xConv3x3(x, wb, b);
    EXPECT_EQ(got.scalar_type(), at::kBFloat16);
    // bf16 products accumulate in float32; the summed taps and the output are rounded to 8 bits.
    EXPECT_LT(maxAbsDiff(got, want), want.abs().max().item<double>() * std::ldexp(1.0, -6));
}

TEST(UpsampleConv, SmallImagesUnderBigKernelsGiveTheSameResult) {
    at::manual_seed(7);
    const at::Tensor x = at::randn({1, 64, 2, 2}), w = at::randn({64, 64, 3, 3}), b = at::randn({64});
    const at::Tensor want = plainUpsampleConv(x.to(at::kDouble), w.to(at::kDouble), b.to(at::kDouble));
    EXPECT_LT(maxAbsDiff(upsample2xConv3x3(x, w, b), want), 1e-4);
}

TEST(UpsampleConv, NamesAKernelThatIsNot3x3) {
    try {
        upsample2xConv3x3(at::zeros({1, 2, 4, 4}), at::zeros({2, 2, 1, 1}), at::Tensor());
        FAIL() << "a 1x1 kernel was accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("does not fit kernel [2, 2, 1, 1]"), std::string::npos) << e.what();
    }
}

TEST(UpsampleConv, Float32UpBlocksTakeWinogradOnTheUpsampledImage) {
    at::manual_seed(8);
    // 64 channels at 32x32: the upsampled 64x64 image has 256 tiles, where Winograd pays.
    const at::Tensor x = at::randn({1, 64, 32, 32}), w = at::randn({64, 64, 3, 3}) / 24, b = at::randn({64});
    ASSERT_TRUE(winogradApplies(x, w, 1, 1, 2));
    const at::Tensor want = plainUpsampleConv(x.to(at::kDouble), w.to(at::kDouble), b.to(at::kDouble));
    const at::Tensor got = upsample2xConv3x3(x, w, b);
    EXPECT_TRUE(tessera::test::closeToReference(got, want, 2e-5));
    EXPECT_EQ(maxAbsDiff(got, winogradConv3x3(at::upsample_nearest2d(x, {64, 64}), w, b)), 0.0);
    const at::Tensor last = upsample2xConv3x3(x.contiguous(at::MemoryFormat::ChannelsLast), w, b);
    EXPECT_TRUE(last.is_contiguous(at::MemoryFormat::ChannelsLast));
    EXPECT_EQ(maxAbsDiff(last, got), 0.0);
}
