#include "core/common/error.h"
#include "core/engine/sampling/cfg_denoiser.h"
#include "core/engine/sampling/model_sampling.h"
#include "core/engine/sampling/samplers.h"
#include "core/engine/sampling/schedulers.h"
#include "tests/support/sampling_fixtures.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

using namespace tessera;
using namespace tessera::engine;

namespace {

using tessera::test::eps;

// A stand-in model whose eps for each batch row is the mean of that row's context (invariant to
// repeating tokens, like cross-attention) plus 0.1 * xIn; records every call.
struct FakeModel {
    std::vector<ModelCallInput> calls;
    std::vector<at::Tensor> contexts;
    ModelFn fn() {
        return [this](const ModelCallInput& in, const at::Tensor& context) {
            calls.push_back(in);
            contexts.push_back(context);
            return in.xIn * 0.1 + context.mean({1, 2}).reshape({-1, 1, 1, 1});
        };
    }
};

// What the fake model's x0 is for one context row, computed directly.
at::Tensor fakeX0(const at::Tensor& x, double sigma, const at::Tensor& context) {
    const at::Tensor epsOut = x / std::sqrt(sigma * sigma + 1) * 0.1 + context.mean();
    return x - epsOut * sigma;
}

}  // namespace

TEST(CfgDenoiser, CfgOneCallsTheModelOncePerStepWithThePositiveOnly) {
    FakeModel model;
    const at::Tensor cond = at::randn({1, 77, 8}), uncond = at::randn({1, 77, 8});
    const Denoiser d = makeCfgDenoiser(eps(), model.fn(), cond, uncond, 1.0);
    const at::Tensor sigmas = computeSigmas(eps(), "normal", 5);
    CpuGeneratorNoise noise(0);
    sample("euler", d, at::randn({1, 4, 2, 2}), sigmas, noise);
    ASSERT_EQ(model.calls.size(), 5u);
    for (size_t i = 0; i < 5; ++i) {
        EXPECT_EQ(model.calls[i].condIndex, 0);
        EXPECT_EQ(model.calls[i].condIndices, std::vector<int>{0});
        EXPECT_EQ(model.calls[i].xIn.size(0), 1);
        EXPECT_TRUE(at::equal(model.contexts[i], cond));
        EXPECT_DOUBLE_EQ(model.calls[i].sigma, sigmas[static_cast<int64_t>(i)].item<double>());
    }
}

TEST(CfgDenoiser, GuidanceBatchesBothCondsIntoOneCall) {
    FakeModel model;
    const at::Tensor cond = at::randn({1, 77, 8}), uncond = at::randn({1, 77, 8});
    const double cfg = 7.5, sigma = 3.0;
    const at::Tensor x = at::randn({1, 4, 3, 3});
    const at::Tensor got = makeCfgDenoiser(eps(), model.fn(), cond, uncond, cfg)(x, sigma);
    ASSERT_EQ(model.calls.size(), 1u);
    const ModelCallInput& call = model.calls[0];
    EXPECT_EQ(call.condIndex, -1);
    EXPECT_EQ(call.condIndices, (std::vector<int>{1, 0}));
    EXPECT_EQ(call.xIn.sizes(), (at::IntArrayRef{2, 4, 3, 3}));
    EXPECT_TRUE(at::allclose(call.xIn[1], (x / std::sqrt(10.0))[0]));
    EXPECT_TRUE(at::equal(call.timesteps, at::full({2}, eps().timestep(sigma), at::kFloat)));
    EXPECT_TRUE(at::equal(model.contexts[0], at::cat({uncond, cond})));
    const at::Tensor c = fakeX0(x, sigma, cond), u = fakeX0(x, sigma, uncond);
    EXPECT_TRUE(at::allclose(got, u + (c - u) * cfg, 1e-5, 1e-5));
}

TEST(CfgDenoiser, UnequalPromptLengthsRepeatToTheLcmOrRunSeparately) {
    const at::Tensor x = at::randn({2, 4, 2, 2});
    const double cfg = 4.0, sigma = 1.5;
    const at::Tensor cond = at::randn({1, 154, 8});
    for (int64_t uncondTokens : {77, 5 * 77}) {
        FakeModel model;
        const at::Tensor uncond = at::randn({1, uncondTokens, 8});
        const at::Tensor got = makeCfgDenoiser(eps(), model.fn(), cond, uncond, cfg)(x, sigma);
        if (uncondTokens == 77) {
            ASSERT_EQ(model.calls.size(), 1u);
            EXPECT_EQ(model.contexts[0].sizes(), (at::IntArrayRef{4, 154, 8}));
        } else {  // lcm 770 would be 10x the shorter: ComfyUI does not concat beyond 4x
            ASSERT_EQ(model.calls.size(), 2u);
            EXPECT_EQ(model.calls[0].condIndex, 1);
            EXPECT_EQ(model.calls[1].condIndex, 0);
        }
        const at::Tensor c = fakeX0(x, sigma, cond), u = fakeX0(x, sigma, uncond);
        EXPECT_TRUE(at::allclose(got, u + (c - u) * cfg, 1e-5, 1e-5)) << uncondTokens;
    }
}

TEST(CfgDenoiser, VPredictionDenoisesThroughTheModelSampling) {
    const ModelSampling v = ModelSampling::discrete(Prediction::V);
    const at::Tensor x0 = at::randn({1, 4, 2, 2}, at::kDouble), n = at::randn({1, 4, 2, 2}, at::kDouble);
    const double sigma = 2.0;
    // A perfect v model for this one sample: v = (n - sigma*x0)/sqrt(1+sigma^2).
    const ModelFn perfect = [&](const ModelCallInput&, const at::Tensor&) { return (n - x0 * sigma) / std::sqrt(1 + sigma * sigma); };
    const Denoiser d = makeCfgDenoiser(v, perfect, at::zeros({1, 1, 4}), at::Tensor(), 1.0);
    EXPECT_TRUE(at::allclose(d(x0 + n * sigma, sigma), x0, 1e-9, 1e-9));
}

TEST(CfgDenoiser, BadConditioningIsExplained) {
    FakeModel model;
    EXPECT_THROW(makeCfgDenoiser(eps(), model.fn(), at::zeros({77, 8}), at::zeros({1, 77, 8}), 7.0), Error);
    EXPECT_THROW(makeCfgDenoiser(eps(), model.fn(), at::zeros({1, 77, 8}), at::Tensor(), 7.0), Error);
    EXPECT_THROW(makeCfgDenoiser(eps(), model.fn(), at::zeros({1, 77, 8}), at::zeros({1, 77, 16}), 7.0), Error);
    const ModelFn wrong = [](const ModelCallInput&, const at::Tensor&) { return at::zeros({1, 4}); };
    const Denoiser d = makeCfgDenoiser(eps(), wrong, at::zeros({1, 77, 8}), at::zeros({1, 77, 8}), 7.0);
    EXPECT_THROW(d(at::zeros({1, 4, 2, 2}), 1.0), Error);
}

TEST(InpaintMask, KeepsTheUnmaskedAreaOnTheSourceLatent) {
    const at::Tensor latent0 = at::randn({1, 4, 4, 4}), noise = at::randn({1, 4, 4, 4});
    at::Tensor mask = at::zeros({1, 1, 4, 4});
    mask.slice(3, 0, 2).fill_(1.0);  // repaint the left half
    std::vector<at::Tensor> inputs;
    const Denoiser inner = [&](const at::Tensor& x, double) {
        inputs.push_back(x.clone());
        return at::full_like(x, 5.0);
    };
    const Denoiser d = withInpaintMask(inner, latent0, noise, mask);
    const at::Tensor x = at::randn({1, 4, 4, 4});
    const at::Tensor out = d(x, 2.0);
    ASSERT_EQ(inputs.size(), 1u);
    const auto left = [](const at::Tensor& t) { return t.slice(3, 0, 2); };
    const auto right = [](const at::Tensor& t) { return t.slice(3, 2, 4); };
    EXPECT_TRUE(at::equal(left(inputs[0]), left(x)));
    EXPECT_TRUE(at::allclose(right(inputs[0]), right(latent0 + noise * 2.0)));
    EXPECT_TRUE(at::equal(left(out), at::full_like(left(out), 5.0)));
    EXPECT_TRUE(at::equal(right(out), right(latent0)));

    // A whole euler run ends with the unmasked area exactly on the source latent.
    const at::Tensor sigmas = computeSigmas(eps(), "normal", 6);
    const Denoiser gaussian = [](const at::Tensor& x, double s) { return x / (1 + s * s); };
    CpuGeneratorNoise ancestral(1);
    const at::Tensor start = eps().startLatent(sigmas, noise, latent0);
    const at::Tensor result = sample("euler", withInpaintMask(gaussian, latent0, noise, mask), start, sigmas, ancestral);
    EXPECT_LT((right(result) - right(latent0)).abs().max().item<double>(), 1e-5);
    EXPECT_GT((left(result) - left(latent0)).abs().max().item<double>(), 1e-2);
}

TEST(RescaleCfg, RescalesEachImagesGuidedVPredictionToThePositivesSpread) {
    at::manual_seed(4);
    const at::Tensor x = at::randn({2, 4, 5, 6}) * 3.0, cond = at::randn({2, 4, 5, 6}), uncond = at::randn({2, 4, 5, 6});
    const double sigma = 2.5, cfg = 6.0;
    // The same in float64, in the v-prediction domain: v = (x / (s^2 + 1) - x0) * sqrt(s^2 + 1) / s.
    const double k = sigma * sigma + 1.0;
    auto toV = [&](const at::Tensor& x0) { return (x.to(at::kDouble) / k - x0.to(at::kDouble)) * std::sqrt(k) / sigma; };
    const at::Tensor vCond = toV(cond), vUncond = toV(uncond);
    const at::Tensor vGuided = vUncond + (vCond - vUncond) * cfg;
    const at::Tensor ratio = vCond.std({1, 2, 3}, true, true) / vGuided.std({1, 2, 3}, true, true);
    for (const double multiplier : {0.0, 0.7, 1.0}) {
        const at::Tensor vFinal = vGuided * ratio * multiplier + vGuided * (1.0 - multiplier);
        const at::Tensor want = x.to(at::kDouble) / k - vFinal * sigma / std::sqrt(k);
        const at::Tensor got = rescaleCfgCombine(multiplier)(x, sigma, cond, uncond, cfg);
        ASSERT_EQ(got.scalar_type(), at::kFloat);
        EXPECT_LT((got.to(at::kDouble) - want).abs().max().item<double>(), 2e-5 * want.abs().max().item<double>())
            << multiplier;
    }
    // multiplier 0 is plain guidance, up to float32 rounding of the round trip through v.
    EXPECT_TRUE(at::allclose(rescaleCfgCombine(0.0)(x, sigma, cond, uncond, cfg), uncond + (cond - uncond) * cfg, 1e-5, 1e-4));
    // The denoiser uses the combine it is given, on the estimates the model makes: here eps = xIn * the
    // context's mean, so the two sides' estimates differ in spread, not by a constant.
    const ModelFn scaling = [](const ModelCallInput& in, const at::Tensor& context) {
        return in.xIn * context.mean({1, 2}).reshape({-1, 1, 1, 1});
    };
    const at::Tensor pos = at::full({1, 3, 8}, 0.5), neg = at::full({1, 3, 8}, -0.3);
    const at::Tensor latent = at::randn({1, 4, 3, 3}), xIn = latent / std::sqrt(3.0 * 3.0 + 1.0);
    const at::Tensor got = makeCfgDenoiser(eps(), scaling, pos, neg, 7.0, rescaleCfgCombine(0.7))(latent, 3.0);
    const at::Tensor want = rescaleCfgCombine(0.7)(latent, 3.0, latent - xIn * 0.5 * 3.0, latent - xIn * -0.3 * 3.0, 7.0);
    EXPECT_TRUE(at::allclose(got, want, 1e-5, 1e-5));
    EXPECT_FALSE(at::allclose(got, makeCfgDenoiser(eps(), scaling, pos, neg, 7.0)(latent, 3.0), 1e-2, 1e-2));
}

TEST(DifferentialDiffusion, RepaintsEachMaskValueFromTheStepWhereTheRemainingShareFallsToIt) {
    const ModelSampling& ms = eps();
    // A schedule from timestep 999 down to 0: the threshold is t / 999 at the timestep t of the step's sigma.
    const at::Tensor sigmas = at::tensor({float(ms.sigmaAt(999)), float(ms.sigmaAt(499)), 0.0f});
    const at::Tensor mask = at::tensor({0.0f, 0.2f, 0.499f, 0.4995f, 0.5f, 1.0f}).view({1, 1, 1, 6});
    auto stepMask = [&](double sigma, double strength) { return differentialDiffusionMask(ms, sigmas, sigma, mask, strength); };
    EXPECT_TRUE(at::equal(stepMask(ms.sigmaAt(999), 1.0), at::tensor({0.f, 0.f, 0.f, 0.f, 0.f, 1.f}).view({1, 1, 1, 6})));
    // 499 / 999 = 0.4994995 (float32): 0.499 stays, 0.4995 is repainted.
    EXPECT_TRUE(at::equal(stepMask(ms.sigmaAt(499), 1.0), at::tensor({0.f, 0.f, 0.f, 1.f, 1.f, 1.f}).view({1, 1, 1, 6})));
    EXPECT_TRUE(at::equal(stepMask(ms.sigmaMin(), 1.0), at::ones({1, 1, 1, 6})));
    // strength blends with the soft mask; 0 gives the binary mask, as ComfyUI's `if strength and strength < 1`.
    EXPECT_TRUE(at::allclose(stepMask(ms.sigmaAt(499), 0.25), stepMask(ms.sigmaAt(499), 1.0) * 0.25 + mask * 0.75));
    EXPECT_TRUE(at::equal(stepMask(ms.sigmaAt(499), 0.0), stepMask(ms.sigmaAt(499), 1.0)));
    // A schedule ending above sigma_min (denoise cut at the end): its last sigma is the far end.
    const at::Tensor early = at::tensor({float(ms.sigmaAt(999)), float(ms.sigmaAt(499))});
    EXPECT_TRUE(at::equal(differentialDiffusionMask(ms, early, ms.sigmaAt(499), mask, 1.0), at::ones({1, 1, 1, 6})));

    // Through the inpainting wrapper: the step's mask decides what the denoiser's answer replaces.
    const at::Tensor latent0 = at::zeros({1, 4, 1, 6}), noise = at::zeros({1, 4, 1, 6});
    const Denoiser ones = [](const at::Tensor& x, double) { return at::ones_like(x); };
    const InpaintMaskAtSigma perStep = [&](const at::Tensor& m, double sigma) {
        return differentialDiffusionMask(ms, sigmas, sigma, m, 1.0);
    };
    const Denoiser d = withInpaintMask(ones, latent0, noise, mask, perStep);
    const at::Tensor out = d(at::zeros({1, 4, 1, 6}), ms.sigmaAt(499));
    EXPECT_TRUE(at::equal(out, stepMask(ms.sigmaAt(499), 1.0).expand({1, 4, 1, 6})));
}

TEST(InpaintMask, ResizesBilinearlyWithoutAlignedCorners) {
    at::Tensor halves = at::zeros({64, 64});
    halves.slice(1, 0, 32).fill_(1.0);
    const at::Tensor small = resizeMaskToLatent(halves, 8, 8);
    EXPECT_EQ(small.sizes(), (at::IntArrayRef{1, 1, 8, 8}));
    EXPECT_TRUE(at::equal(small.slice(3, 0, 4), at::ones({1, 1, 8, 4})));
    EXPECT_TRUE(at::equal(small.slice(3, 4, 8), at::zeros({1, 1, 8, 4})));
    // A ramp x/63 is sampled at source x = (j + 0.5) * 8 - 0.5.
    const at::Tensor ramp = (at::arange(64, at::kFloat) / 63.0).expand({1, 64, 64});
    const at::Tensor r = resizeMaskToLatent(ramp, 8, 8);
    for (int j = 0; j < 8; ++j) EXPECT_NEAR(r[0][0][3][j].item<double>(), ((j + 0.5) * 8 - 0.5) / 63.0, 1e-6) << j;
    EXPECT_EQ(resizeMaskToLatent(at::ones({2, 1, 16, 16}), 4, 4).sizes(), (at::IntArrayRef{2, 1, 4, 4}));
    EXPECT_THROW(resizeMaskToLatent(at::ones({1, 3, 16, 16}), 4, 4), Error);
    EXPECT_THROW(withInpaintMask([](const at::Tensor& x, double) { return x; }, at::zeros({1, 4, 8, 8}),
                                 at::zeros({1, 4, 8, 8}), at::ones({1, 1, 64, 64})),
                 Error);
}

TEST(ControlGating, ActiveBetweenTheStartAndEndSigmas) {
    const ModelSampling& ms = eps();
    const double end = ms.percentToSigma(0.8);
    EXPECT_TRUE(controlActive(ms, end, 0.0, 0.8));
    EXPECT_FALSE(controlActive(ms, std::nextafter(static_cast<float>(end), 0.0f), 0.0, 0.8));
    EXPECT_TRUE(controlActive(ms, ms.sigmaMax(), 0.0, 0.8));
    EXPECT_TRUE(controlActive(ms, 1e8, 0.0, 0.8));  // start 0 is unbounded
    const double start = ms.percentToSigma(0.3);
    EXPECT_TRUE(controlActive(ms, start, 0.3, 1.0));
    EXPECT_FALSE(controlActive(ms, std::nextafter(static_cast<float>(start), 100.0f), 0.3, 1.0));
    EXPECT_TRUE(controlActive(ms, 0.0, 0.3, 1.0));  // end 1 reaches sigma 0
    // The golden ControlNet case (end 0.8) switches off for its last two sigmas only.
    const at::Tensor sigmas = samplerSigmas(ms, "normal", 10, 0.9, "euler");
    int active = 0;
    for (int64_t i = 0; i + 1 < sigmas.size(0); ++i) active += controlActive(ms, sigmas[i].item<double>(), 0.0, 0.8);
    EXPECT_EQ(active, 8);
}

TEST(Pipeline, AssemblesFromTheEnginePieces) {
    // img2img with a model that knows the answer: the data is one latent mu, eps = (x - mu)/sigma.
    const ModelSampling ms = ModelSampling::discrete(Prediction::Eps);
    const at::Tensor mu = at::randn({1, 4, 8, 8});
    const at::Tensor source = at::randn({1, 4, 8, 8});  // an unscaled VAE latent
    const ModelFn unet = [&](const ModelCallInput& in, const at::Tensor&) {
        const at::Tensor x = in.xIn * std::sqrt(in.sigma * in.sigma + 1);
        return (x - at::cat(std::vector<at::Tensor>(in.condIndices.size(), mu))) / in.sigma;
    };
    const at::Tensor sigmas = samplerSigmas(ms, "karras", 8, 0.75, "euler_ancestral");
    const at::Tensor noise = prepareNoise(7, source.sizes());
    const at::Tensor start = ms.startLatent(sigmas, noise, source * 0.18215);
    const Denoiser d = makeCfgDenoiser(ms, unet, at::randn({1, 77, 64}), at::randn({1, 77, 64}), 5.5);
    CpuGeneratorNoise ancestral(7 + 1);
    int steps = 0;
    SamplerCallbacks callbacks;
    callbacks.onStep = [&](int, int, const at::Tensor&, const at::Tensor&) { ++steps; };
    const at::Tensor latent = sample("euler_ancestral", d, start, sigmas, ancestral, callbacks) / 0.18215;
    EXPECT_EQ(steps, 8);
    EXPECT_LT((latent - mu / 0.18215).abs().max().item<double>(), 1e-3);
}
