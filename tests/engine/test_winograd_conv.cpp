#include "core/engine/compute/winograd_conv.h"
#include "core/engine/compute/winograd_kernels.h"
#include "core/engine/compute/winograd_products.h"
#include "tests/support/tensor_compare.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <limits>
#include <utility>

using namespace tessera::engine;
using tessera::test::closeToReference;
using tessera::test::maxAbsDiff;

namespace {

at::Tensor float64Conv(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
    return at::conv2d(x.to(at::kDouble), w.to(at::kDouble), b.defined() ? b.to(at::kDouble) : at::Tensor(), 1, 1);
}

// Winograd's F(4x4, 3x3) rounds more than the direct sum (its transforms scale values by up to 8 and
// subtract them again): a few 1e-6 of the largest output for hundreds of channels, against about 1e-6.
constexpr double kTolerance = 2e-5;

// Both ways of multiplying, whichever this CPU's Fastest is: a test passes on every CPU only if it checks
// the way other CPUs take too.
constexpr WinogradProducts kEveryWinogradWay[] = {WinogradProducts::RegisterTiles, WinogradProducts::Blas};

const char* winogradWayName(WinogradProducts way) { return way == WinogradProducts::Blas ? "BLAS" : "register tiles"; }

}  // namespace

TEST(WinogradConv, MatchesTheConvolutionInFloat64AtEverySizeAndTileEdge) {
    at::manual_seed(11);
    // Sizes that are and are not multiples of the 4x4 tile, down to a single pixel.
    for (const auto& [h, w] : {std::pair{1, 1}, {2, 3}, {4, 4}, {5, 8}, {9, 13}, {17, 6}, {12, 31}}) {
        const at::Tensor x = at::randn({3, 5, h, w}), weight = at::randn({7, 5, 3, 3}), bias = at::randn({7});
        for (const WinogradProducts way : kEveryWinogradWay) {
            const at::Tensor got = winogradConv3x3(x, weight, bias, way);
            ASSERT_EQ(got.sizes(), (at::IntArrayRef{3, 7, h, w}));
            EXPECT_TRUE(closeToReference(got, float64Conv(x, weight, bias), kTolerance))
                << h << "x" << w << ", " << winogradWayName(way);
        }
    }
}

TEST(WinogradConv, ImagesSpanningSeveralBandsOfTilesMatch) {
    at::manual_seed(12);
    // 64 channels at 160x160: 40 rows of 40 tiles, more than one band's worth of tile rows.
    const at::Tensor x = at::randn({2, 64, 160, 150}), weight = at::randn({64, 64, 3, 3}) / 24, bias = at::randn({64});
    EXPECT_TRUE(winogradApplies(x, weight, 1, 1));
    const at::Tensor want = float64Conv(x, weight, bias);
    for (const WinogradProducts way : kEveryWinogradWay)
        EXPECT_TRUE(closeToReference(winogradConv3x3(x, weight, bias, way), want, kTolerance)) << winogradWayName(way);
}

TEST(WinogradConv, ProductsSpanningEveryBlockMatch) {
    // The register-tile products (winograd_products.cpp) in every kind of block: 140 input channels (sums
    // in blocks of 128, then 12), 100 output channels (tasks of 96 rows, then 4; tiles of 6 rows, then 4),
    // 23 x 23 = 529 tiles (tasks of 512, then 17: a row of 528 whole register tiles and one past the band).
    at::manual_seed(14);
    const at::Tensor x = at::randn({1, 140, 92, 92}), weight = at::randn({100, 140, 3, 3}) / 35, bias = at::randn({100});
    const at::Tensor want = float64Conv(x, weight, bias);
    for (const WinogradProducts way : kEveryWinogradWay)
        EXPECT_TRUE(closeToReference(winogradConv3x3(x, weight, bias, way), want, kTolerance)) << winogradWayName(way);
}

TEST(WinogradProducts, EveryBlockShapeMatchesFloat64) {
    // The register-tile products on every CPU, whichever way winogradConv3x3 takes there: 140 input channels,
    // 100 output channels and a band of 529 tiles (rows of 544) in uneven blocks that cover every product.
    at::manual_seed(15);
    const int64_t cout = 100, cin = 140, ldt = kernels::winogradRowLength(529);
    ASSERT_EQ(ldt, 544);
    const at::Tensor u = at::randn({36, cout, cin}), v = at::randn({36, cin, ldt});
    at::Tensor m = at::full({36, cout, ldt}, std::numeric_limits<float>::quiet_NaN());
    for (int64_t k = 0; k < 36; ++k)
        for (const auto& [o0, o1] : {std::pair<int64_t, int64_t>{0, 37}, {37, cout}})
            for (const auto& [t0, t1] : {std::pair<int64_t, int64_t>{0, 512}, {512, ldt}})
                kernels::winogradProductBlock(u.data_ptr<float>() + (k * cout + o0) * cin, cin,
                                              v.data_ptr<float>() + k * cin * ldt, ldt,
                                              m.data_ptr<float>() + (k * cout + o0) * ldt, ldt, o1 - o0, cin, t0, t1, false);
    const at::Tensor want = at::bmm(u.to(at::kDouble), v.to(at::kDouble));
    EXPECT_LT(tessera::test::relativeError(m, want), 2e-6);
}

TEST(WinogradConv, FewTilesTransformTheKernelsInEachTaskAndMatch) {
    // At most 64 tiles (here 3 images of 2 x 3 tiles: one band across the images) the kernels are transformed
    // per task, 24 output channels by 64 input channels: 50 output channels (24, 24, 2) and 150 input channels
    // (64, 64, 22) leave a partial block of each; float16-stored kernels are widened per block. With BLAS's
    // products the kernels are transformed whole.
    at::manual_seed(16);
    const at::Tensor x = at::randn({3, 150, 7, 9}), weight = at::randn({50, 150, 3, 3}) / 37, bias = at::randn({50});
    EXPECT_EQ(winogradApplies(x, weight, 1, 1), kernels::winogradProductsPayOnThisCpu());
    const at::Tensor want = float64Conv(x, weight, bias);
    const at::Tensor half = weight.to(at::kHalf);
    for (const WinogradProducts way : kEveryWinogradWay) {
        EXPECT_TRUE(closeToReference(winogradConv3x3(x, weight, bias, way), want, kTolerance)) << winogradWayName(way);
        EXPECT_TRUE(closeToReference(winogradConv3x3(x, half, bias, way), float64Conv(x, half, bias), kTolerance))
            << winogradWayName(way);
    }
}

TEST(WinogradKernels, KernelTransformMatchesFloat64) {
    // G g G^T for 8 kernels at a time and the rest one by one: 21 kernels, rows of U 29 floats apart.
    at::manual_seed(17);
    const int64_t n = 21, stride = 29;
    const at::Tensor g = at::randn({n, 3, 3});
    at::Tensor u = at::full({36, stride}, std::numeric_limits<float>::quiet_NaN());
    kernels::winogradKernelTransform(g.data_ptr<float>(), n, u.data_ptr<float>(), stride);
    const at::Tensor gMatrix = at::tensor({1.0 / 4, 0.0, 0.0, -1.0 / 6, -1.0 / 6, -1.0 / 6, -1.0 / 6, 1.0 / 6, -1.0 / 6,
                                           1.0 / 24, 1.0 / 12, 1.0 / 6, 1.0 / 24, -1.0 / 12, 1.0 / 6, 0.0, 0.0, 1.0},
                                          at::kDouble)
                                    .view({6, 3});
    const at::Tensor want = at::matmul(at::matmul(gMatrix, g.to(at::kDouble)), gMatrix.t());  // [n, 6, 6]
    const at::Tensor got = u.narrow(1, 0, n).t().reshape({n, 6, 6});
    EXPECT_LT(maxAbsDiff(got, want), 1e-6 * want.abs().max().item<double>());
    EXPECT_TRUE(at::isnan(u.narrow(1, n, stride - n)).all().item<bool>());  // nothing written past the kernels
}

TEST(WinogradConv, AnyInputLayoutAndFloat16StoredKernelsGiveTheSameResult) {
    at::manual_seed(13);
    const at::Tensor x = at::randn({2, 6, 10, 11}), weight = at::randn({4, 6, 3, 3}).to(at::kHalf);
    for (const WinogradProducts way : kEveryWinogradWay) {
        SCOPED_TRACE(winogradWayName(way));
        const at::Tensor plain = winogradConv3x3(x, weight.to(at::kFloat), at::Tensor(), way);
        EXPECT_TRUE(plain.is_contiguous());
        EXPECT_TRUE(closeToReference(plain, float64Conv(x, weight, at::Tensor()), kTolerance));
        // float16 storage widens exactly, so the kernels transform to the same values.
        EXPECT_EQ(maxAbsDiff(winogradConv3x3(x, weight, at::Tensor(), way), plain), 0.0);
        EXPECT_EQ(maxAbsDiff(winogradConv3x3(x.contiguous(at::MemoryFormat::ChannelsLast), weight, at::Tensor(), way), plain),
                  0.0);
        EXPECT_EQ(
            maxAbsDiff(winogradConv3x3(x.transpose(2, 3).contiguous().transpose(2, 3), weight, at::Tensor(), way), plain),
            0.0);
    }
}

TEST(WinogradConv, InfinitiesAndNansReachTheOutputsTheyTouch) {
    at::Tensor x = at::zeros({1, 1, 12, 12});
    x[0][0][5][5] = std::numeric_limits<float>::quiet_NaN();
    for (const WinogradProducts way : kEveryWinogradWay) {
        SCOPED_TRACE(winogradWayName(way));
        const at::Tensor y = winogradConv3x3(x, at::ones({1, 1, 3, 3}), at::Tensor(), way);
        // Every output whose 3x3 window holds the NaN is NaN; outputs of other tiles stay 0.
        EXPECT_TRUE(at::isnan(y[0][0][4][4]).item<bool>());
        EXPECT_TRUE(at::isnan(y[0][0][6][6]).item<bool>());
        EXPECT_EQ(y[0][0][0][0].item<float>(), 0.0f);
        EXPECT_EQ(y[0][0][11][11].item<float>(), 0.0f);
    }
}

TEST(WinogradConv, AppliesToLargeFloat32ThreeByThreeConvolutionsOnly) {
    const at::Tensor x = at::randn({2, 320, 64, 64}), weight = at::randn({320, 320, 3, 3});
    EXPECT_TRUE(winogradApplies(x, weight, 1, 1));
    EXPECT_TRUE(winogradApplies(x, weight.to(at::kHalf), 1, 1));  // float16 storage of a float32 network
    EXPECT_FALSE(winogradApplies(x, weight, 2, 1));
    EXPECT_FALSE(winogradApplies(x, weight, 1, 0));
    EXPECT_FALSE(winogradApplies(x, at::randn({320, 320, 1, 1}), 1, 1));
    EXPECT_FALSE(winogradApplies(x.to(at::kBFloat16), weight.to(at::kBFloat16), 1, 1));
    EXPECT_FALSE(winogradApplies(x, at::randn({320, 160, 3, 3}), 1, 1));  // grouped
    // Too few tiles to pay (a 4x4 image: 1 tile; with OpenBLAS's products, which need the kernels' transform
    // whole, fewer than 64), too few channels (a VAE's 3-channel ends, the tiny test models' 32 channels).
    const bool tilesPay = kernels::winogradProductsPayOnThisCpu();
    const at::Tensor level3 = at::randn({1280, 1280, 3, 3});
    EXPECT_FALSE(winogradApplies(at::randn({1, 1280, 4, 4}), level3, 1, 1));
    EXPECT_EQ(winogradApplies(at::randn({1, 1280, 8, 8}), level3, 1, 1), tilesPay);
    EXPECT_EQ(winogradApplies(at::randn({2, 1280, 16, 16}), level3, 1, 1), tilesPay);
    EXPECT_TRUE(winogradApplies(at::randn({1, 1280, 32, 32}), level3, 1, 1));
    EXPECT_FALSE(winogradApplies(at::randn({1, 3, 512, 512}), at::randn({128, 3, 3, 3}), 1, 1));
    EXPECT_FALSE(winogradApplies(at::randn({1, 32, 512, 512}), at::randn({32, 32, 3, 3}), 1, 1));
    EXPECT_TRUE(winogradApplies(at::randn({1, 64, 512, 512}), at::randn({64, 64, 3, 3}), 1, 1));
}

TEST(Convolve, AChannelsLastInputSmallerThanItsPlainKernelIsMadePlain) {
    // A transformer block's output (channels-last) into a 3x3 convolution on oneDNN: a 64 x 4 x 4 input is
    // smaller than the 16 x 64 x 3 x 3 kernel, so it is the one converted, and the result comes out plain.
    // A 64 x 40 x 40 input keeps its layout (libtorch converts the smaller kernel).
    at::manual_seed(2);
    const at::Tensor weight = at::randn({16, 64, 3, 3}) * 0.05, bias = at::randn({16});
    for (int64_t size : {4, 40}) {
        const at::Tensor x = at::randn({1, 64, size, size}).contiguous(at::MemoryFormat::ChannelsLast);
        ASSERT_FALSE(winogradApplies(x, weight, 1, 1));
        const at::Tensor got = convolve(x, weight, bias, 1, 1);
        EXPECT_EQ(got.is_contiguous(), size == 4) << "size " << size;
        const at::Tensor want = at::conv2d(x.to(at::kDouble).contiguous(), weight.to(at::kDouble), bias.to(at::kDouble),
                                           {1, 1}, {1, 1});
        EXPECT_LT(maxAbsDiff(got, want), 1e-5) << "size " << size;
    }
}
