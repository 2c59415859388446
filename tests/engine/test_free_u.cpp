// FreeU / FreeU_V2 (ComfyUI's nodes_freelunch): the Fourier filter against a float64 DFT, the backbone
// factors against their formulas, and the patch inside the tiny UNet's output blocks.
#include "core/engine/networks/free_u.h"
#include "core/engine/networks/unet.h"
#include "tests/support/tiny_models.h"
#include "tests/support/tensor_compare.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>
#include <set>

using namespace tessera;
using namespace tessera::engine;
using tessera::test::maxAbs;

namespace {

// Re(ifft2(fft2(x) with frequencies {0, -1} x {0, -1} scaled)) by direct sums in float64: the block
// ComfyUI's mask covers in a shifted spectrum is the shift's centre, which holds those frequencies.
at::Tensor filteredByDirectSums(const at::Tensor& x, double scale) {
    const at::Tensor xd = x.to(at::kDouble).contiguous();
    at::Tensor out = xd.clone();
    const int64_t planes = xd.size(0) * xd.size(1), height = xd.size(2), width = xd.size(3);
    const std::set<int64_t> rows{0, height - 1}, cols{0, width - 1};
    const double* in = xd.data_ptr<double>();
    double* y = out.data_ptr<double>();
    const double tau = 2 * std::numbers::pi;
    for (int64_t p = 0; p < planes; ++p) {
        const double* plane = in + p * height * width;
        for (int64_t kr : rows)
            for (int64_t kc : cols) {
                std::complex<double> coefficient = 0;
                for (int64_t r = 0; r < height; ++r)
                    for (int64_t c = 0; c < width; ++c)
                        coefficient += plane[r * width + c] *
                                       std::polar(1.0, -tau * (double(kr * r) / double(height) + double(kc * c) / double(width)));
                for (int64_t r = 0; r < height; ++r)
                    for (int64_t c = 0; c < width; ++c) {
                        const std::complex<double> wave =
                            std::polar(1.0, tau * (double(kr * r) / double(height) + double(kc * c) / double(width)));
                        y[p * height * width + r * width + c] +=
                            (scale - 1) * (coefficient * wave).real() / double(height * width);
                    }
            }
    }
    return out;
}

}  // namespace

TEST(FreeU, FourierFilterScalesFrequenciesZeroAndMinusOneOfEachAxis) {
    at::manual_seed(3);
    const std::vector<std::vector<int64_t>> shapes{{2, 3, 8, 8}, {1, 2, 5, 7}, {1, 1, 1, 4}, {1, 1, 2, 2}, {1, 2, 16, 6}};
    for (const auto& shape : shapes)
        for (double scale : {0.2, 0.9, 1.7}) {
            const at::Tensor x = at::randn(shape);
            const at::Tensor got = freeUFourierFilter(x, 1, scale);
            ASSERT_EQ(got.sizes(), x.sizes());
            ASSERT_EQ(got.scalar_type(), at::kFloat);
            const at::Tensor want = filteredByDirectSums(x, scale);
            EXPECT_LT(maxAbs(got.to(at::kDouble) - want), 2e-6 * maxAbs(want)) << at::IntArrayRef(shape) << " scale " << scale;
        }
    // Scale 1 is the identity (through float32 FFTs); a bfloat16 input comes back as bfloat16.
    const at::Tensor x = at::randn({1, 4, 8, 8});
    EXPECT_LT(maxAbs(freeUFourierFilter(x, 1, 1.0) - x), 1e-6 * maxAbs(x));
    EXPECT_EQ(freeUFourierFilter(x.to(at::kBFloat16), 1, 0.5).scalar_type(), at::kBFloat16);
}

TEST(FreeU, ScalesTheBackbonesFirstHalfAndFiltersTheSkipAtFourAndTwoTimesTheBaseChannels) {
    at::manual_seed(5);
    const int64_t base = 8;
    const FreeU settings{1.1, 1.3, 0.9, 0.2, false};
    const struct {
        int64_t channels;
        double backbone, skipScale;
    } levels[] = {{4 * base, 1.1, 0.9}, {2 * base, 1.3, 0.2}};
    for (const auto& level : levels) {
        const at::Tensor h0 = at::randn({2, level.channels, 6, 6}), skip0 = at::randn({2, level.channels / 2, 6, 6});
        at::Tensor h = h0.clone(), skip = skip0;
        applyFreeU(settings, base, h, skip);
        const int64_t half = level.channels / 2;
        EXPECT_TRUE(at::equal(h.narrow(1, 0, half), h0.narrow(1, 0, half) * level.backbone)) << level.channels;
        EXPECT_TRUE(at::equal(h.narrow(1, half, half), h0.narrow(1, half, half))) << level.channels;
        EXPECT_TRUE(at::equal(skip, freeUFourierFilter(skip0, 1, level.skipScale))) << level.channels;
    }
    for (int64_t channels : {base, 3 * base, 8 * base}) {
        const at::Tensor h0 = at::randn({1, channels, 4, 4}), skip0 = at::randn({1, channels, 4, 4});
        at::Tensor h = h0.clone(), skip = skip0;
        applyFreeU(settings, base, h, skip);
        EXPECT_TRUE(at::equal(h, h0)) << channels;
        EXPECT_TRUE(skip.is_same(skip0)) << channels;
    }
}

TEST(FreeU, V2ScalesEachPixelByItsMeanFeatureNormalisedPerImage) {
    at::manual_seed(7);
    const int64_t base = 4, channels = 2 * base, height = 3, width = 5;
    const FreeU settings{1.0, 1.4, 1.0, 0.5, true};
    const at::Tensor h0 = at::randn({2, channels, height, width});
    at::Tensor h = h0.clone(), skip = at::randn({2, channels, height, width});
    applyFreeU(settings, base, h, skip);
    const at::Tensor hd = h0.to(at::kDouble);
    for (int64_t b = 0; b < 2; ++b) {
        std::vector<double> mean(size_t(height * width), 0.0);
        for (int64_t i = 0; i < height * width; ++i)
            for (int64_t c = 0; c < channels; ++c) mean[size_t(i)] += hd[b][c].view({-1})[i].item<double>() / channels;
        const auto [low, high] = std::minmax_element(mean.begin(), mean.end());
        for (int64_t c = 0; c < channels; ++c)
            for (int64_t i = 0; i < height * width; ++i) {
                const double factor = c < channels / 2 ? (1.4 - 1) * (mean[size_t(i)] - *low) / (*high - *low) + 1 : 1.0;
                const double want = hd[b][c].view({-1})[i].item<double>() * factor;
                EXPECT_NEAR(h[b][c].view({-1})[i].item<double>(), want, 1e-6 * std::max(1.0, std::abs(want))) << b << " " << c << " " << i;
            }
    }
}

TEST(FreeU, RunsInTheTinyUNetsOutputBlocksAndUnitFactorsLeaveItsOutput) {
    // The tiny SD1.5 UNet: base 32 channels, levels 32, 64, 64: its output blocks carry 2x the base (b2, s2)
    // and never 4x, as with ComfyUI's FreeU on it.
    const UNet unet = test::tinyUNet();
    ASSERT_EQ(unet.config().modelChannels, 32);
    at::manual_seed(11);
    const at::Tensor x = at::randn({1, 4, 16, 16}), t = at::tensor({500.0f}), context = at::randn({1, 77, 64});
    const at::Tensor plain = unet.forward(x, t, context);
    const std::vector<FreeU> unit{{1.0, 1.0, 1.0, 1.0, false}};
    EXPECT_LT(maxAbs(unet.forward(x, t, context, nullptr, {}, nullptr, unit) - plain), 1e-5 * maxAbs(plain));
    const std::vector<FreeU> onlyDeepest{{1.5, 1.0, 0.2, 1.0, false}};
    EXPECT_LT(maxAbs(unet.forward(x, t, context, nullptr, {}, nullptr, onlyDeepest) - plain), 1e-5 * maxAbs(plain));

    const std::vector<FreeU> v1{{1.1, 1.2, 0.9, 0.2, false}}, v2{{1.1, 1.2, 0.9, 0.2, true}};
    const at::Tensor withV1 = unet.forward(x, t, context, nullptr, {}, nullptr, v1);
    const at::Tensor withV2 = unet.forward(x, t, context, nullptr, {}, nullptr, v2);
    EXPECT_GT(maxAbs(withV1 - plain), 1e-2 * maxAbs(plain));
    EXPECT_GT(maxAbs(withV2 - withV1), 1e-3 * maxAbs(plain));
    // Two patches run one after the other, as two chained FreeU nodes do.
    const std::vector<FreeU> twice{v1[0], v1[0]};
    EXPECT_GT(maxAbs(unet.forward(x, t, context, nullptr, {}, nullptr, twice) - withV1), 1e-3 * maxAbs(plain));
}
