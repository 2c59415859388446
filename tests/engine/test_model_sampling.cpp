#include "core/common/error.h"
#include "core/engine/sampling/model_sampling.h"
#include "core/engine/sampling/noise.h"
#include "tests/support/sampling_fixtures.h"
#include "tests/support/tensor_compare.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>

#include <cmath>

using namespace tessera;
using namespace tessera::engine;

namespace {

using tessera::test::eps;

}  // namespace

TEST(ModelSampling, EndpointsMatchTheGoldenSchedules) {
    const auto golden = tessera::test::loadCase("pipelines.safetensors");
    // txt2img at denoise 1 starts at the largest sigma; every schedule's last non-zero sigma is the smallest.
    const at::Tensor full = golden.at("txt2img-dpmpp_2m-karras.sigmas");
    EXPECT_NEAR(eps().sigmaMax(), full[0].item<double>(), 1e-5 * 14.6);
    EXPECT_NEAR(eps().sigmaMin(), full[full.size(0) - 2].item<double>(), 1e-7);
    EXPECT_EQ(eps().sigmas().numel(), 1000);
    EXPECT_EQ(eps().sigmas().scalar_type(), at::kFloat);
    EXPECT_TRUE((eps().sigmas().slice(0, 1) > eps().sigmas().slice(0, 0, 999)).all().item<bool>());
}

TEST(ModelSampling, TimestepIsTheNearestLogSigmaIndex) {
    const ModelSampling& ms = eps();
    for (int64_t k : {0, 1, 250, 500, 998, 999}) EXPECT_EQ(ms.timestep(ms.sigmaAt(k)), k) << k;
    for (int64_t k : {0, 10, 700}) {
        const double logMid = 0.5 * (std::log(ms.sigmaAt(k)) + std::log(ms.sigmaAt(k + 1)));
        EXPECT_EQ(ms.timestep(std::exp(logMid - 1e-4)), k);
        EXPECT_EQ(ms.timestep(std::exp(logMid + 1e-4)), k + 1);
    }
    EXPECT_EQ(ms.timestep(1e-6), 0);
    EXPECT_EQ(ms.timestep(1e3), 999);
}

TEST(ModelSampling, SigmaInterpolatesLogLinearlyAndClamps) {
    const ModelSampling& ms = eps();
    for (int64_t k : {0, 123, 999}) EXPECT_FLOAT_EQ(ms.sigma(static_cast<double>(k)), ms.sigmaAt(k));
    const double geometricMean = std::sqrt(ms.sigmaAt(400) * ms.sigmaAt(401));
    EXPECT_NEAR(ms.sigma(400.5), geometricMean, 1e-6 * geometricMean);
    const double quarter = std::exp(0.75 * std::log(ms.sigmaAt(10)) + 0.25 * std::log(ms.sigmaAt(11)));
    EXPECT_NEAR(ms.sigma(10.25), quarter, 1e-6 * quarter);
    EXPECT_FLOAT_EQ(ms.sigma(-3), ms.sigmaMin());
    EXPECT_FLOAT_EQ(ms.sigma(5000), ms.sigmaMax());
}

TEST(ModelSampling, PercentToSigmaAsComfyUI) {
    const ModelSampling& ms = eps();
    EXPECT_GE(ms.percentToSigma(0.0), 1e8);
    EXPECT_EQ(ms.percentToSigma(1.0), 0.0);
    EXPECT_EQ(ms.percentToSigma(1.5), 0.0);
    EXPECT_DOUBLE_EQ(ms.percentToSigma(0.5), ms.sigma(499.5));
    EXPECT_DOUBLE_EQ(ms.percentToSigma(0.8), ms.sigma(0.2 * 999));
    EXPECT_GT(ms.percentToSigma(0.2), ms.percentToSigma(0.7));
}

TEST(ModelSampling, InputScaling) {
    const at::Tensor x = at::randn({1, 4, 3, 3});
    EXPECT_TRUE(at::allclose(eps().calculateInput(2.0, x), x / std::sqrt(5.0)));
}

TEST(ModelSampling, DenoisedRecoversTheCleanLatentForEpsAndV) {
    const at::Tensor x0 = at::randn({2, 4, 5, 5}, at::kDouble);
    const at::Tensor n = at::randn({2, 4, 5, 5}, at::kDouble);
    for (double sigma : {0.03, 1.0, 14.6}) {
        const at::Tensor x = x0 + n * sigma;
        EXPECT_TRUE(at::allclose(eps().calculateDenoised(sigma, n, x), x0, 1e-9, 1e-9));
        // v = alpha*noise - sigma_ddpm*x0 with alpha = 1/sqrt(1+sigma^2), sigma_ddpm = sigma/sqrt(1+sigma^2).
        const at::Tensor v = (n - x0 * sigma) / std::sqrt(1 + sigma * sigma);
        const ModelSampling vms = ModelSampling::discrete(Prediction::V);
        EXPECT_TRUE(at::allclose(vms.calculateDenoised(sigma, v, x), x0, 1e-9, 1e-9));
    }
    EXPECT_THROW(eps().calculateDenoised(1.0, at::zeros({1, 4, 2, 2}), at::zeros({1, 4, 3, 3})), Error);
}

TEST(ModelSampling, NoiseScalingAndMaxDenoise) {
    const ModelSampling& ms = eps();
    const at::Tensor noise = at::randn({1, 4, 2, 2}, at::kDouble);
    const at::Tensor latent = at::randn({1, 4, 2, 2}, at::kDouble);
    EXPECT_TRUE(at::allclose(ms.noiseScaling(3.0, noise, latent, false), latent + noise * 3.0));
    EXPECT_TRUE(at::allclose(ms.noiseScaling(3.0, noise, latent, true), latent + noise * std::sqrt(10.0)));
    EXPECT_TRUE(ms.isMaxDenoise(ms.sigmaMax()));
    EXPECT_TRUE(ms.isMaxDenoise(ms.sigmaMax() * (1 - 5e-6)));
    EXPECT_TRUE(ms.isMaxDenoise(20.0));
    EXPECT_FALSE(ms.isMaxDenoise(ms.sigmaMax() * 0.999));

    const at::Tensor atMax = at::tensor({ms.sigmaMax(), 0.0}, at::kDouble);
    EXPECT_TRUE(at::allclose(ms.startLatent(atMax, noise, latent),
                             latent + noise * std::sqrt(1 + ms.sigmaMax() * ms.sigmaMax())));
    const at::Tensor partial = at::tensor({2.5, 0.0}, at::kDouble);
    EXPECT_TRUE(at::allclose(ms.startLatent(partial, noise, latent), latent + noise * 2.5));
    EXPECT_THROW(ms.startLatent(at::empty({0}), noise, latent), Error);
}

TEST(Noise, CpuGeneratorReproducesPyTorch) {
    // torch.manual_seed(42); torch.randn(2, 3) in PyTorch prints these values.
    const at::Tensor n = prepareNoise(42, {2, 3});
    const double want[6] = {0.3367, 0.1288, 0.2345, 0.2303, -1.1229, -0.1863};
    const at::Tensor flat = n.flatten();
    for (int i = 0; i < 6; ++i) EXPECT_NEAR(flat[i].item<double>(), want[i], 1e-4) << i;
}

TEST(Noise, BatchIndicesPickOneEntryDrawsInComfyUIsOrder) {
    // ComfyUI's prepare_noise: draw i is randn([1, ...]) number i from the seed; entries take draw batch_index[i].
    // 4*5*3 = 60 values per entry, not a multiple of 16, so one-entry draws differ from slices of one big draw.
    const std::vector<int64_t> shape{1, 4, 5, 3};
    at::Generator g = at::detail::createCPUGenerator(9);
    std::vector<at::Tensor> draws;
    for (int i = 0; i < 4; ++i) draws.push_back(at::randn(shape, g));
    const at::Tensor got = prepareNoise(9, {3, 4, 5, 3}, {3, 1, 3});
    EXPECT_TRUE(at::equal(got[0], draws[3][0]));
    EXPECT_TRUE(at::equal(got[1], draws[1][0]));
    EXPECT_TRUE(at::equal(got[2], draws[3][0]));
    EXPECT_FALSE(at::equal(got[1], prepareNoise(9, {3, 4, 5, 3})[1]));
    // One index per entry, none negative.
    EXPECT_THROW(prepareNoise(9, {2, 4, 5, 3}, {0}), Error);
    EXPECT_THROW(prepareNoise(9, {1, 4, 5, 3}, {-1}), Error);
    EXPECT_THROW(prepareNoise(9, {1, 4, 5, 3}, {kMaxNoiseIndex + 1}), Error);
}

TEST(Noise, SourceDrawsInOrderFromOneSeededGenerator) {
    const at::Tensor like = at::zeros({1, 4, 8, 8});
    CpuGeneratorNoise a(43), b(43), c(44);
    const at::Tensor a1 = a.next(like), a2 = a.next(like);
    EXPECT_TRUE(at::equal(a1, b.next(like)));
    EXPECT_TRUE(at::equal(a2, b.next(like)));
    EXPECT_FALSE(at::equal(a1, a2));
    EXPECT_FALSE(at::equal(a1, c.next(like)));
    // The first draw of seed s is the pipeline's initial noise for seed s.
    EXPECT_TRUE(at::equal(a1, prepareNoise(43, {1, 4, 8, 8})));
    EXPECT_EQ(a.next(at::zeros({2, 3}, at::kDouble)).scalar_type(), at::kDouble);
    const at::Tensor big = prepareNoise(7, {1, 4, 64, 64});
    EXPECT_NEAR(big.mean().item<double>(), 0.0, 0.05);
    EXPECT_NEAR(big.std().item<double>(), 1.0, 0.05);
}
