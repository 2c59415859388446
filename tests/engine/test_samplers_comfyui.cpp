// The samplers added for ComfyUI parity against ComfyUI's own sampler functions, run on a closed-form
// denoiser by tests/fixtures/samplers/make_sampler_fixtures.py (float64, fixed schedules and start latent).
#include "core/common/cancel.h"
#include "core/engine/files/safetensors.h"
#include "core/engine/sampling/brownian_tree.h"
#include "core/engine/sampling/samplers.h"
#include "core/engine/sampling/seed_sequence.h"
#include "tests/support/refdata.h"
#include "tests/support/tensor_compare.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>

using namespace tessera;
using namespace tessera::engine;
using tessera::test::relativeError;

namespace {

constexpr uint64_t kFixtureNoiseSeed = 1234;  // make_sampler_fixtures.py's NOISE_SEED

const std::map<std::string, at::Tensor>& comfyFixture() {
    static const std::map<std::string, at::Tensor> tensors = [] {
        // float64 as written (loadAllTensors would round to float32)
        const auto file = SafetensorsFile::open(test::sourceDir() + "/tests/fixtures/samplers/comfyui_samplers.safetensors");
        std::map<std::string, at::Tensor> out;
        for (const auto& e : file->entries()) out[e.name] = file->tensor(e.name).clone();
        return out;
    }();
    return tensors;
}

const at::Tensor& fixtureTensor(const std::string& name) {
    const auto it = comfyFixture().find(name);
    if (it == comfyFixture().end()) throw std::runtime_error("fixture tensor missing: " + name);
    return it->second;
}

// D(x, s) = x / (1 + s^2) + s / (1 + s^2) * (0.5 * tanh(x) + mu), as in the generator.
Denoiser closedFormDenoiser() {
    const at::Tensor mu = fixtureTensor("mu");
    return [mu](const at::Tensor& x, double s) { return x / (1 + s * s) + (at::tanh(x) * 0.5 + mu) * (s / (1 + s * s)); };
}

// CFG (the generator's 3.5) of the closed form over a second one with mu_uncond, reporting the latter.
GuidedDenoiser closedFormGuidance() {
    const at::Tensor mu = fixtureTensor("mu"), muUncond = fixtureTensor("mu_uncond");
    return [mu, muUncond](const at::Tensor& x, double s) {
        const auto estimate = [&](const at::Tensor& m) { return x / (1 + s * s) + (at::tanh(x) * 0.5 + m) * (s / (1 + s * s)); };
        const at::Tensor uncond = estimate(muUncond);
        return GuidedDenoised{uncond + (estimate(mu) - uncond) * 3.5, uncond};
    };
}

const std::vector<std::string> kSchedules = {"karras10", "short3", "nozero7"};

}  // namespace

TEST(SamplersComfyUI, MatchComfyUIsFunctionsOnAClosedFormDenoiser) {
    // deis integrates its weights on float32 in ComfyUI (10000-point sums); the rest agree to rounding.
    const std::map<std::string, double> tolerance = {
        {"uni_pc", 1e-10}, {"uni_pc_bh2", 1e-10}, {"ddpm", 1e-10},          {"ipndm", 1e-10},
        {"ipndm_v", 1e-10}, {"deis", 2e-6},      {"heunpp2", 1e-10},       {"dpmpp_3m_sde", 1e-10},
        {"dpmpp_2m_sde_heun", 1e-10}, {"res_multistep", 1e-10}, {"gradient_estimation", 1e-10},
        {"seeds_2", 1e-10}, {"seeds_3", 1e-10}, {"dpmpp_2m_sde", 1e-10},
        {"dpmpp_sde", 1e-6},                 // ancestral steps on float32 like ComfyUI (test: float64)
        {"dpm_fast", 1e-6},                  // its t grid is float32 in ComfyUI (and here), the rest float64
        {"dpm_adaptive", 1e-9},
        {"er_sde", 5e-8},                    // ComfyUI's 200 integration points are float32 (here float64)
        {"res_multistep_ancestral", 1e-6}};  // ancestral steps on float32 like ComfyUI (test: float64)
    const Denoiser denoiser = closedFormDenoiser();
    for (const auto& [name, tol] : tolerance) {
        for (const std::string& schedule : kSchedules) {
            const at::Tensor sigmas = fixtureTensor("sigmas." + schedule);
            const at::Tensor x = fixtureTensor("start") * sigmas[0].item<double>();
            CpuGeneratorNoise noise(kFixtureNoiseSeed);
            const at::Tensor got = sample(name, denoiser, x, sigmas, noise);
            const at::Tensor& want = fixtureTensor("out." + name + "." + schedule);
            ASSERT_EQ(got.sizes(), want.sizes()) << name;
            const double err = relativeError(got, want);
            EXPECT_LT(err, tol) << name << " on " << schedule;
            std::printf("%-18s %-9s relative error %.2e\n", name.c_str(), schedule.c_str(), err);
        }
    }
}

TEST(SamplersComfyUI, CfgPpSamplersMatchComfyUIsUnderGuidance) {
    const std::map<std::string, double> tolerance = {
        {"euler_cfg_pp", 1e-10}, {"dpmpp_2m_cfg_pp", 1e-10}, {"res_multistep_cfg_pp", 1e-10},
        {"gradient_estimation_cfg_pp", 1e-10},
        // ancestral steps (and dpmpp_2s's midpoint) on float32 like ComfyUI (test: float64)
        {"euler_ancestral_cfg_pp", 1e-6}, {"dpmpp_2s_ancestral_cfg_pp", 1e-6}, {"res_multistep_ancestral_cfg_pp", 1e-6}};
    const GuidedDenoiser guidance = closedFormGuidance();
    for (const auto& [name, tol] : tolerance) {
        for (const std::string& schedule : kSchedules) {
            const at::Tensor sigmas = fixtureTensor("sigmas." + schedule);
            const at::Tensor x = fixtureTensor("start") * sigmas[0].item<double>();
            CpuGeneratorNoise noise(kFixtureNoiseSeed);
            std::vector<int> steps;
            SamplerCallbacks callbacks;
            callbacks.onStep = [&](int step, int, const at::Tensor&, const at::Tensor&) { steps.push_back(step); };
            const at::Tensor got = sample(name, guidance, x, sigmas, noise, callbacks);
            const double err = relativeError(got, fixtureTensor("out." + name + "." + schedule));
            EXPECT_LT(err, tol) << name << " on " << schedule;
            EXPECT_EQ(steps.size(), static_cast<size_t>(sigmas.size(0) - 1)) << name;
            std::printf("%-30s %-9s relative error %.2e\n", name.c_str(), schedule.c_str(), err);
        }
        CancelToken token;
        token.cancel();
        SamplerCallbacks cancelled;
        cancelled.cancel = &token;
        CpuGeneratorNoise noise(1);
        EXPECT_THROW(sample(name, guidance, fixtureTensor("start"), fixtureTensor("sigmas.short3"), noise, cancelled), Cancelled);
    }
}

TEST(SamplersComfyUI, SeedSequenceIsNumpys) {
    // numpy 1.24: SeedSequence(entropy=e[, spawn_key=k], pool_size=p).generate_state(n)
    EXPECT_EQ(seedSequenceState(1234, {}, 24, 3), (std::vector<uint32_t>{4280268349u, 3829106894u, 2675148735u}));
    EXPECT_EQ(seedSequenceState(1234, {5, 3}, 24, 4), (std::vector<uint32_t>{1860635963u, 869273324u, 1971674113u, 2280051663u}));
    EXPECT_EQ(seedSequenceState(0, {0, 0}, 8, 4), (std::vector<uint32_t>{1337531667u, 578806237u, 4187986488u, 3354000087u}));
    EXPECT_EQ(seedSequenceState(18446744073709551615ull, {}, 24, 3), (std::vector<uint32_t>{1186816001u, 310380770u, 3217591682u}));
}

TEST(SamplersComfyUI, BrownianTreeNoiseIsComfyUIsBitForBit) {
    // BrownianTreeNoiseSampler(float32 latent, 0.03, 14.6, seed=1234, cpu=True) over torchsde, queried in this order
    // with float32 sigmas.
    const at::Tensor like = fixtureTensor("start").to(at::kFloat);
    BrownianTreeNoise noise(like, static_cast<float>(0.03), static_cast<float>(14.6), kFixtureNoiseSeed, true);
    const at::Tensor queries = fixtureTensor("tree.queries"), want = fixtureTensor("tree.noise");
    for (int64_t i = 0; i < queries.size(0); ++i) {
        const at::Tensor got = noise(queries[i][0].item<float>(), queries[i][1].item<float>());
        EXPECT_EQ(got.scalar_type(), at::kFloat);
        EXPECT_EQ((got.to(at::kDouble) - want[i]).abs().max().item<double>(), 0.0) << "query " << i;
    }
    // A pure function of the seed and the interval: asked again, or in another order, the same numbers.
    BrownianTreeNoise again(like, static_cast<float>(0.03), static_cast<float>(14.6), kFixtureNoiseSeed, true);
    EXPECT_TRUE(at::equal(again(2.5f, 0.7f).to(at::kDouble), want[5]));
    EXPECT_TRUE(at::equal(again(14.6f, 0.03f).to(at::kDouble), want[0]));
    EXPECT_TRUE(at::equal(again(0.7f, 2.5f).to(at::kDouble), -want[5]));  // upward: the opposite sign
}

TEST(SamplersComfyUI, SdeSamplersOnTheBrownianTreeMatchComfyUIs) {
    // ComfyUI's default noise for these samplers: BrownianTreeNoiseSampler(seed) over the schedule, with real
    // torchsde. karras10f32 runs the latent and schedule in float32, as ComfyUI's pipeline does.
    const Denoiser denoiser = closedFormDenoiser();
    for (const std::string name : {"dpmpp_sde", "dpmpp_2m_sde", "dpmpp_2m_sde_heun", "dpmpp_3m_sde"}) {
        for (const std::string schedule : {"karras10", "short3", "nozero7", "karras10f32"}) {
            const bool f32 = schedule == "karras10f32";
            const at::Tensor sigmas = fixtureTensor("sigmas." + schedule).to(f32 ? at::kFloat : at::kDouble);
            const at::Tensor x = fixtureTensor("start").to(sigmas.scalar_type()) * sigmas[0];
            SamplerSeedNoise noise(kFixtureNoiseSeed);
            const at::Tensor got = sample(name, denoiser, x, sigmas, noise).to(at::kDouble);
            const double err = relativeError(got, fixtureTensor("brownian." + name + "." + schedule));
            // float64: ancestral steps on float32 as in ComfyUI (dpmpp_sde) else rounding; float32: float32 rounding
            EXPECT_LT(err, f32 ? 1e-5 : (name == "dpmpp_sde" ? 1e-6 : 1e-10)) << name << " on " << schedule;
            std::printf("%-18s %-11s brownian, relative error %.2e\n", name.c_str(), schedule.c_str(), err);
        }
    }
}

TEST(SamplersComfyUI, GpuAliasesRunTheirTwinsSteps) {
    const Denoiser denoiser = closedFormDenoiser();
    const at::Tensor sigmas = fixtureTensor("sigmas.karras10");
    const at::Tensor x = fixtureTensor("start") * sigmas[0].item<double>();
    for (const std::string base : {"dpmpp_sde", "dpmpp_2m_sde", "dpmpp_2m_sde_heun", "dpmpp_3m_sde"}) {
        CpuGeneratorNoise a(7), b(7);
        EXPECT_TRUE(at::equal(sample(base, denoiser, x, sigmas, a), sample(base + "_gpu", denoiser, x, sigmas, b))) << base;
    }
}

TEST(SamplersComfyUI, DpmAdaptiveReportsItsStepsAndStopsWhenCancelled) {
    // On karras10 ComfyUI's dpm_adaptive tries 9 steps (one rejected) of 3 model calls each.
    const Denoiser denoiser = closedFormDenoiser();
    const at::Tensor sigmas = fixtureTensor("sigmas.karras10");
    const at::Tensor x = fixtureTensor("start") * sigmas[0].item<double>();
    int calls = 0;
    const Denoiser counting = [&](const at::Tensor& in, double s) {
        ++calls;
        return denoiser(in, s);
    };
    std::vector<int> steps;
    SamplerCallbacks callbacks;
    callbacks.onStep = [&](int step, int total, const at::Tensor&, const at::Tensor&) {
        EXPECT_EQ(total, 10);
        steps.push_back(step);
    };
    CpuGeneratorNoise noise(1);
    sample("dpm_adaptive", counting, x, sigmas, noise, callbacks);
    EXPECT_EQ(steps, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8}));
    EXPECT_EQ(calls, 27);

    CancelToken token;
    callbacks.cancel = &token;
    callbacks.onStep = [&](int step, int, const at::Tensor&, const at::Tensor&) {
        if (step == 3) token.cancel();
    };
    calls = 0;
    EXPECT_THROW(sample("dpm_adaptive", counting, x, sigmas, noise, callbacks), Cancelled);
    EXPECT_EQ(calls, 12);  // the cancelled step's three calls finish, the next step never starts
}

TEST(SamplersComfyUI, UniPcReportsEveryStepAndStopsWhenCancelled) {
    const Denoiser denoiser = closedFormDenoiser();
    const at::Tensor sigmas = fixtureTensor("sigmas.karras10");
    const at::Tensor x = fixtureTensor("start") * sigmas[0].item<double>();
    for (const std::string name : {"uni_pc", "uni_pc_bh2", "deis", "ipndm"}) {
        int calls = 0;
        const Denoiser counting = [&](const at::Tensor& in, double s) {
            ++calls;
            return denoiser(in, s);
        };
        std::vector<int> steps;
        SamplerCallbacks callbacks;
        callbacks.onStep = [&](int step, int total, const at::Tensor&, const at::Tensor& denoised) {
            EXPECT_EQ(total, 10);
            EXPECT_EQ(denoised.sizes(), x.sizes());
            steps.push_back(step);
        };
        CpuGeneratorNoise noise(1);
        sample(name, counting, x, sigmas, noise, callbacks);
        EXPECT_EQ(steps, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})) << name;
        EXPECT_EQ(calls, 10) << name;  // one model call per step, the final step included

        CancelToken token;
        callbacks.cancel = &token;
        callbacks.onStep = [&](int step, int, const at::Tensor&, const at::Tensor&) {
            if (step == 3) token.cancel();
        };
        calls = 0;
        EXPECT_THROW(sample(name, counting, x, sigmas, noise, callbacks), Cancelled) << name;
        EXPECT_EQ(calls, 4) << name;
    }
}

TEST(SamplersComfyUI, UniPcWithOneStepOnlyRescalesLikeComfyUI) {
    // order = min(3, steps - 1) = 0: ComfyUI evaluates the model once, takes no step and returns x scaled
    // from VP back to VE at sigma 0.001.
    const at::Tensor x = fixtureTensor("start") * 5.0;
    CpuGeneratorNoise noise(1);
    const at::Tensor out = sample("uni_pc", closedFormDenoiser(), x, at::tensor({5.0, 0.0}, at::kDouble), noise);
    EXPECT_LT((out - x * (std::sqrt(1 + 1e-6) / std::sqrt(26.0))).abs().max().item<double>(), 1e-12);
}
