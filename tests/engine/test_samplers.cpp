#include "core/common/cancel.h"
#include "core/common/error.h"
#include "core/engine/sampling/model_sampling.h"
#include "core/engine/sampling/quadrature.h"
#include "core/engine/sampling/samplers.h"
#include "core/engine/sampling/schedulers.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>

using namespace tessera;
using namespace tessera::engine;

namespace {

// Returns tensors filled with 1, 2, 3, ... and remembers how often and for which shapes it was asked.
class RecordingNoise : public NoiseSource {
public:
    at::Tensor next(const at::Tensor& like) override {
        shapes.push_back(like.sizes().vec());
        return at::full(like.sizes(), static_cast<double>(shapes.size()), like.options());
    }
    std::vector<std::vector<int64_t>> shapes;
};

// Data distribution N(0, s^2): the ideal denoiser, and the probability-flow ODE solution.
constexpr double kDataStd = 1.0;
at::Tensor gaussianDenoiser(const at::Tensor& x, double sigma) {
    return x * (kDataStd * kDataStd / (kDataStd * kDataStd + sigma * sigma));
}
at::Tensor gaussianOdeSolution(const at::Tensor& xT, double sigmaT, double sigmaEnd) {
    return xT * (std::sqrt(kDataStd * kDataStd + sigmaEnd * sigmaEnd) / std::sqrt(kDataStd * kDataStd + sigmaT * sigmaT));
}

// N geometric steps from 10 down to 0.1 (no final 0, so the ODE can be compared along the way).
at::Tensor geometricSigmas(int steps) {
    return at::exp(at::linspace(std::log(10.0), std::log(0.1), steps + 1, at::kDouble));
}

double odeError(const std::string& sampler, int steps) {
    const at::Tensor xT = at::linspace(-20, 20, 16, at::kDouble).reshape({1, 4, 2, 2});
    RecordingNoise noise;
    const at::Tensor got = sample(sampler, gaussianDenoiser, xT, geometricSigmas(steps), noise);
    EXPECT_TRUE(noise.shapes.empty()) << sampler << " drew noise";
    return (got - gaussianOdeSolution(xT, 10.0, 0.1)).abs().max().item<double>();
}

// Runs any sampler; the CFG++ ones see guidance whose unconditional estimate is the guided one (cfg 1).
at::Tensor sampleAny(const std::string& name, const Denoiser& d, const at::Tensor& x, const at::Tensor& sigmas,
                     NoiseSource& noise) {
    if (!name.ends_with("_cfg_pp")) return sample(name, d, x, sigmas, noise);
    const GuidedDenoiser guided = [&d](const at::Tensor& in, double s) {
        const at::Tensor e = d(in, s);
        return GuidedDenoised{e, e};
    };
    return sample(name, guided, x, sigmas, noise);
}

const std::vector<std::string> kDeterministic = {"euler", "heun", "dpm_2", "lms", "dpmpp_2m", "ddim"};

}  // namespace

TEST(Samplers, NamesAreComfyUIs) {
    const std::vector<std::string> want = {
        "euler", "euler_cfg_pp", "euler_ancestral", "euler_ancestral_cfg_pp", "heun", "heunpp2", "exp_heun_2_x0",
        "exp_heun_2_x0_sde", "dpm_2",
        "dpm_2_ancestral", "lms", "dpm_fast", "dpm_adaptive", "dpmpp_2s_ancestral", "dpmpp_2s_ancestral_cfg_pp", "dpmpp_sde",
        "dpmpp_sde_gpu", "dpmpp_2m", "dpmpp_2m_cfg_pp", "dpmpp_2m_sde", "dpmpp_2m_sde_gpu", "dpmpp_2m_sde_heun",
        "dpmpp_2m_sde_heun_gpu", "dpmpp_3m_sde", "dpmpp_3m_sde_gpu", "ddpm", "lcm", "ipndm", "ipndm_v", "deis",
        "res_multistep", "res_multistep_cfg_pp", "res_multistep_ancestral", "res_multistep_ancestral_cfg_pp",
        "gradient_estimation", "gradient_estimation_cfg_pp", "er_sde", "seeds_2", "seeds_3", "sa_solver",
        "sa_solver_pece", "ddim", "uni_pc",
        "uni_pc_bh2"};
    EXPECT_EQ(samplerNames(), want);
}

TEST(Samplers, EverySamplerLandsOnAPointMass) {
    const ModelSampling ms = ModelSampling::discrete(Prediction::Eps);
    const at::Tensor mu = at::randn({1, 4, 3, 3});
    const Denoiser pointMass = [&](const at::Tensor& x, double) { return mu.expand_as(x).clone(); };
    const at::Tensor sigmas = computeSigmas(ms, "karras", 10);
    for (const std::string& name : samplerNames()) {
        CpuGeneratorNoise noise(5);
        const at::Tensor x = mu + prepareNoise(4, {1, 4, 3, 3}) * sigmas[0].item<double>();
        const at::Tensor out = sampleAny(name, pointMass, x, sigmas, noise);
        // UniPC stops at sigma 0.001 and dpm_fast at the last non-zero sigma (both as ComfyUI), which leaves
        // that fraction of the start's distance (dpm_fast's t grid is float32).
        const double sigma0 = sigmas[0].item<double>();
        const auto float32T = [](double sigma) { return std::exp(-static_cast<double>(static_cast<float>(-std::log(sigma)))); };
        at::Tensor want = mu;
        if (name.rfind("uni_pc", 0) == 0) want = mu + (x - mu) * (0.001 / sigma0);
        if (name == "dpm_fast") want = mu + (x - mu) * (float32T(sigmas[-2].item<double>()) / float32T(sigma0));
        if (name == "dpm_adaptive") want = mu + (x - mu) * (sigmas[-2].item<double>() / sigma0);
        EXPECT_LT((out - want).abs().max().item<double>(), 1e-5) << name;
    }
}

TEST(Samplers, OdeSamplersConvergeWithTheirOrder) {
    // Error ratios when halving the step (1st order -> 2, 2nd order -> 4).
    const double euler10 = odeError("euler", 10), euler20 = odeError("euler", 20), euler40 = odeError("euler", 40);
    EXPECT_EQ(odeError("ddim", 20), euler20);
    EXPECT_NEAR(euler20 / euler40, 2.0, 0.25);
    EXPECT_NEAR(euler10 / euler20, 2.0, 0.35);
    for (const std::string second : {"heun", "dpm_2", "dpmpp_2m"}) {
        const double e20 = odeError(second, 20), e40 = odeError(second, 40);
        EXPECT_NEAR(e20 / e40, 4.0, 0.8) << second;
        EXPECT_LT(e20, euler20 / 4) << second;
    }
    const double lms20 = odeError("lms", 20), lms40 = odeError("lms", 40);
    EXPECT_GT(lms20 / lms40, 7.0);
    EXPECT_LT(lms20, euler20 / 8);
    for (const std::string higher : {"ipndm", "ipndm_v", "deis", "uni_pc", "uni_pc_bh2", "res_multistep"}) {
        const double e20 = odeError(higher, 20);
        std::printf("ODE max error at 20 steps: %s %.3g\n", higher.c_str(), e20);
        EXPECT_LT(e20, euler20 / 8) << higher;
    }
    std::printf("ODE max error at 20 steps: euler %.3g heun %.3g dpm_2 %.3g dpmpp_2m %.3g lms %.3g\n", euler20,
                odeError("heun", 20), odeError("dpm_2", 20), odeError("dpmpp_2m", 20), lms20);
}

TEST(Samplers, EulerAncestralAddsTheSourcesNoiseInOrder) {
    const at::Tensor sigmas = at::tensor({8.0, 4.0, 2.0, 1.0, 0.0}, at::kDouble);
    const Denoiser zero = [](const at::Tensor& x, double) { return at::zeros_like(x); };
    RecordingNoise noise;
    std::vector<at::Tensor> seen;
    SamplerCallbacks callbacks;
    callbacks.onStep = [&](int step, int total, const at::Tensor& x, const at::Tensor&) {
        EXPECT_EQ(step, static_cast<int>(seen.size()));
        EXPECT_EQ(total, 4);
        seen.push_back(x.clone());
    };
    const at::Tensor x0 = at::full({1, 4, 2, 2}, 3.0, at::kDouble);
    const at::Tensor out = sample("euler_ancestral", zero, x0, sigmas, noise, callbacks);
    ASSERT_EQ(seen.size(), 4u);
    ASSERT_EQ(noise.shapes.size(), 3u);  // no noise after the last step to sigma 0
    for (int i = 0; i < 3; ++i) {
        // k-diffusion's get_ancestral_step on float32 schedule values
        const float from = sigmas[i].item<float>(), to = sigmas[i + 1].item<float>();
        const float up = std::sqrt(to * to * (from * from - to * to) / (from * from));
        const float down = std::sqrt(to * to - up * up);
        const double want = seen[i][0][0][0][0].item<double>() * down / from + (i + 1) * up;
        EXPECT_NEAR(seen[i + 1][0][0][0][0].item<double>(), want, 1e-6) << i;  // float32 step sizes
        EXPECT_EQ(noise.shapes[i], x0.sizes().vec());
    }
    EXPECT_TRUE(at::equal(out, at::zeros_like(out)));
}

TEST(Samplers, StochasticSamplersDrawTheExpectedNumberOfNoises) {
    const at::Tensor sigmas = at::tensor({8.0, 4.0, 2.0, 1.0, 0.0}, at::kDouble);
    const std::map<std::string, size_t> draws = {{"euler", 0},  {"heun", 0},     {"dpm_2", 0},
                                                 {"lms", 0},    {"dpmpp_2m", 0}, {"ddim", 0},
                                                 {"euler_ancestral", 3}, {"dpm_2_ancestral", 3}, {"dpmpp_2s_ancestral", 3},
                                                 {"dpmpp_sde", 6},       {"dpmpp_2m_sde", 3},    {"lcm", 3},
                                                 {"heunpp2", 0},         {"dpmpp_sde_gpu", 6},   {"dpmpp_2m_sde_gpu", 3},
                                                 {"dpmpp_2m_sde_heun", 3}, {"dpmpp_2m_sde_heun_gpu", 3},
                                                 {"dpmpp_3m_sde", 3},    {"dpmpp_3m_sde_gpu", 3}, {"ddpm", 3},
                                                 {"ipndm", 0},           {"ipndm_v", 0},         {"deis", 0},
                                                 {"uni_pc", 0},          {"uni_pc_bh2", 0},
                                                 {"res_multistep", 0},   {"res_multistep_ancestral", 3},
                                                 {"gradient_estimation", 0}, {"er_sde", 3},
                                                 {"seeds_2", 6},         {"seeds_3", 9},         {"dpm_fast", 0},
                                                 {"euler_cfg_pp", 0},    {"euler_ancestral_cfg_pp", 3},
                                                 {"dpmpp_2s_ancestral_cfg_pp", 3}, {"dpmpp_2m_cfg_pp", 0},
                                                 {"res_multistep_cfg_pp", 0}, {"res_multistep_ancestral_cfg_pp", 3},
                                                 {"gradient_estimation_cfg_pp", 0}, {"dpm_adaptive", 0},
                                                 // sa_solver: a draw per step whose end lies in 5.09..0.571 (4, 2, 1)
                                                 {"exp_heun_2_x0", 0},   {"exp_heun_2_x0_sde", 6},
                                                 {"sa_solver", 3},       {"sa_solver_pece", 3}};
    for (const std::string& name : samplerNames()) {
        RecordingNoise noise;
        sampleAny(name, gaussianDenoiser, at::ones({1, 2, 2, 2}, at::kDouble), sigmas, noise);
        EXPECT_EQ(noise.shapes.size(), draws.at(name)) << name;
    }
}

TEST(Samplers, SeededNoiseIsReproducible) {
    const ModelSampling ms = ModelSampling::discrete(Prediction::Eps);
    const at::Tensor sigmas = computeSigmas(ms, "karras", 6);
    const at::Tensor x = prepareNoise(1, {1, 4, 4, 4}) * sigmas[0].item<double>();
    for (const std::string name : {"euler_ancestral", "dpmpp_sde", "dpmpp_2m_sde"}) {
        SamplerSeedNoise a(2), b(2), c(3);
        const at::Tensor ra = sample(name, gaussianDenoiser, x, sigmas, a);
        EXPECT_TRUE(at::equal(ra, sample(name, gaussianDenoiser, x, sigmas, b))) << name;
        EXPECT_FALSE(at::equal(ra, sample(name, gaussianDenoiser, x, sigmas, c))) << name;
    }
}

TEST(Samplers, SdeSamplersKeepTheGaussianMarginal) {
    // Started from the exact marginal N(0, 1 + sigma0^2), a correct SDE sampler ends near N(0, 1 + sigma_end^2).
    const at::Tensor sigmas = geometricSigmas(40);
    const at::Tensor x = prepareNoise(11, {1, 4, 64, 64}).to(at::kDouble) * std::sqrt(1 + 100.0);
    for (const std::string name : {"dpmpp_sde", "dpmpp_2m_sde", "dpmpp_2m_sde_heun", "dpmpp_3m_sde", "dpmpp_2s_ancestral",
                                   "seeds_2", "seeds_3", "er_sde"}) {
        SamplerSeedNoise noise(12);  // the SDE samplers on ComfyUI's Brownian tree
        const at::Tensor out = sample(name, gaussianDenoiser, x, sigmas, noise);
        std::printf("%s: final std %.4f (ideal %.4f)\n", name.c_str(), out.std().item<double>(), std::sqrt(1.01));
        EXPECT_NEAR(out.std().item<double>(), std::sqrt(1 + 0.01), 0.02) << name;
    }
    // Euler ancestral is first order, so 40 steps end visibly low; on this linear problem its variance
    // follows v' = v*k^2 + up^2 with k = 1 + (1 - c)(down/sigma - 1), c = 1/(1 + sigma^2).
    double variance = 1 + 100.0;
    for (int i = 0; i < 40; ++i) {
        const double from = sigmas[i].item<double>(), to = sigmas[i + 1].item<double>();
        const double up = std::sqrt(to * to * (from * from - to * to) / (from * from));
        const double k = 1 + (1 - 1 / (1 + from * from)) * (std::sqrt(to * to - up * up) / from - 1);
        variance = variance * k * k + up * up;
    }
    CpuGeneratorNoise noise(12);
    const at::Tensor out = sample("euler_ancestral", gaussianDenoiser, x, sigmas, noise);
    EXPECT_NEAR(out.std().item<double>(), std::sqrt(variance), 0.01);
}

TEST(Samplers, CancellationStopsWithinOneStep) {
    const at::Tensor sigmas = at::tensor({8.0, 4.0, 2.0, 1.0, 0.5, 0.0}, at::kDouble);
    for (const auto& [name, callsPerStep] : std::vector<std::pair<std::string, int>>{{"euler", 1}, {"heun", 2}}) {
        CancelToken token;
        int calls = 0;
        const Denoiser counting = [&](const at::Tensor& x, double s) {
            ++calls;
            return gaussianDenoiser(x, s);
        };
        SamplerCallbacks callbacks;
        callbacks.cancel = &token;
        callbacks.onStep = [&](int step, int, const at::Tensor&, const at::Tensor&) {
            if (step == 2) token.cancel();
        };
        RecordingNoise noise;
        EXPECT_THROW(sample(name, counting, at::ones({1, 1, 2, 2}, at::kDouble), sigmas, noise, callbacks), Cancelled);
        EXPECT_EQ(calls, 3 * callsPerStep) << name;
        calls = 0;
        EXPECT_THROW(sample(name, counting, at::ones({1, 1, 2, 2}, at::kDouble), sigmas, noise, callbacks), Cancelled);
        EXPECT_EQ(calls, 0) << name;
    }
}

TEST(Samplers, BadInputsAreExplained) {
    RecordingNoise noise;
    const at::Tensor x = at::ones({1, 1, 2, 2});
    try {
        sample("eular", gaussianDenoiser, x, at::tensor({1.0, 0.0}), noise);
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("'eular'"), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("dpmpp_2m_sde"), std::string::npos);
    }
    try {  // CFG++ needs the unconditional estimate, which a plain denoiser does not give
        sample("euler_cfg_pp", gaussianDenoiser, x, at::tensor({1.0, 0.0}), noise);
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("unconditional"), std::string::npos) << e.what();
    }
    EXPECT_THROW(sample("euler", gaussianDenoiser, x, at::tensor({1.0, 2.0, 0.0}), noise), Error);
    EXPECT_THROW(sample("euler", gaussianDenoiser, x, at::tensor({1.0, -1.0}), noise), Error);
    EXPECT_THROW(sample("euler", gaussianDenoiser, x, at::tensor({1.0, 0.0, 0.0}), noise), Error);
    const Denoiser wrongShape = [](const at::Tensor&, double) { return at::zeros({3}); };
    EXPECT_THROW(sample("euler", wrongShape, x, at::tensor({1.0, 0.0}), noise), Error);
    // Nothing to sample: the latent comes back unchanged.
    EXPECT_TRUE(at::equal(sample("euler", gaussianDenoiser, x, at::empty({0}), noise), x));
}

TEST(Quadrature, IntegratesPolynomialsAndSmoothFunctions) {
    EXPECT_NEAR(integrate([](double t) { return 3 * t * t; }, 0, 2), 8.0, 1e-12);
    EXPECT_NEAR(integrate([](double t) { return t * t * t - t; }, 2, -1), -(4.0 - 2.0 - (0.25 - 0.5)), 1e-12);
    EXPECT_NEAR(integrate([](double t) { return std::sin(t); }, 0, M_PI), 2.0, 1e-11);
    EXPECT_NEAR(integrate([](double t) { return 1 / t; }, 0.01, 10), std::log(1000.0), 1e-10);
    EXPECT_EQ(integrate([](double t) { return t; }, 1, 1), 0.0);
}
