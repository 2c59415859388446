// sa_solver, sa_solver_pece and exp_heun_2_x0(_sde) against ComfyUI's own functions on the closed-form denoiser
// of the sampler fixtures, run by tests/fixtures/samplers/make_sa_solver_fixtures.py (float64, identical noise).
#include "core/common/cancel.h"
#include "core/common/error.h"
#include "core/engine/files/safetensors.h"
#include "core/engine/sampling/model_sampling.h"
#include "core/engine/sampling/sa_solver.h"
#include "core/engine/sampling/samplers.h"
#include "tests/support/refdata.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <optional>

using namespace tessera;
using namespace tessera::engine;

namespace {

constexpr uint64_t kSaSolverNoiseSeed = 1234;  // make_sa_solver_fixtures.py's NOISE_SEED

const at::Tensor& saSolverFixture(const std::string& name) {
    static const std::map<std::string, at::Tensor> tensors = [] {
        const auto file = SafetensorsFile::open(test::sourceDir() + "/tests/fixtures/samplers/comfyui_sa_solver.safetensors");
        std::map<std::string, at::Tensor> out;
        for (const auto& e : file->entries()) out[e.name] = file->tensor(e.name).clone();  // float64 as written
        return out;
    }();
    const auto it = tensors.find(name);
    if (it == tensors.end()) throw std::runtime_error("fixture tensor missing: " + name);
    return it->second;
}

Denoiser saSolverTestDenoiser() {
    const at::Tensor mu = saSolverFixture("mu");
    return [mu](const at::Tensor& x, double s) { return x / (1 + s * s) + (at::tanh(x) * 0.5 + mu) * (s / (1 + s * s)); };
}

// The generator's SA_CASES with SamplerSASolver's settings (none: what the sampler name runs by default).
std::optional<SaSolverSettings> saSolverCase(const std::string& name) {
    SaSolverSettings s;
    if (name == "sa_solver.simple2") {
        s.eta = 0.6, s.sdeStartSigma = 10.0, s.sdeEndSigma = 0.1, s.sNoise = 0.7;
        s.predictorOrder = 2, s.correctorOrder = 2, s.simpleOrder2 = true;
    } else if (name == "sa_solver.high_pece") {
        s = saSolverSettings(ModelSampling::discrete(Prediction::Eps), 1.5, 0.0, 1.0);  // the whole schedule
        s.predictorOrder = 6, s.correctorOrder = 6, s.usePece = true;
    } else if (name == "sa_solver.ode") {
        s.eta = 0.0, s.sdeStartSigma = 20.0, s.sdeEndSigma = 0.0, s.predictorOrder = 1, s.correctorOrder = 0;
    } else {
        return std::nullopt;
    }
    return s;
}

double saSolverRelativeError(const at::Tensor& got, const at::Tensor& want) {
    return (got - want).abs().max().item<double>() / want.abs().max().item<double>();
}

}  // namespace

TEST(SaSolverComfyUI, DefaultWindowIsTheModelsTwentyToEightyPercent) {
    // ComfyUI: model_sampling.percent_to_sigma(0.2) and (0.8) of SD1.x's discrete schedule (float32 values).
    const SaSolverSettings s = saSolverDefaults(ModelSampling::discrete(Prediction::Eps));
    const at::Tensor want = saSolverFixture("window.default");
    EXPECT_EQ(s.sdeStartSigma, want[0].item<double>());
    EXPECT_EQ(s.sdeEndSigma, want[1].item<double>());
    EXPECT_EQ(s.eta, 1.0);
    EXPECT_EQ(s.predictorOrder, 3);
    EXPECT_EQ(s.correctorOrder, 4);
    EXPECT_FALSE(s.usePece);
}

TEST(SaSolverComfyUI, MatchComfyUIsFunctionsOnAClosedFormDenoiser) {
    // Bound: float64 on both sides with the same noise; the Lagrange weights come from a Vandermonde solve
    // (LAPACK there, partial pivoting here), so rounding differs (measured: at most 5e-15, order 6 included).
    constexpr double kBound = 1e-10;
    const std::vector<std::string> cases = {"sa_solver",     "sa_solver_pece", "sa_solver.simple2", "sa_solver.high_pece",
                                            "sa_solver.ode", "exp_heun_2_x0",  "exp_heun_2_x0_sde"};
    const Denoiser denoiser = saSolverTestDenoiser();
    for (const std::string& name : cases) {
        const std::string sampler = name.substr(0, name.find('.'));
        SamplerOptions options;
        options.saSolver = saSolverCase(name);
        for (const std::string schedule : {"karras10", "short3", "nozero7"}) {
            const at::Tensor sigmas = saSolverFixture("sigmas." + schedule);
            const at::Tensor x = saSolverFixture("start") * sigmas[0].item<double>();
            CpuGeneratorNoise noise(kSaSolverNoiseSeed);
            const at::Tensor got = sample(sampler, denoiser, x, sigmas, noise, {}, options);
            const double err = saSolverRelativeError(got, saSolverFixture("out." + name + "." + schedule));
            EXPECT_LT(err, kBound) << name << " on " << schedule;
            std::printf("%-20s %-9s relative error %.2e\n", name.c_str(), schedule.c_str(), err);
        }
    }
}

TEST(SaSolverComfyUI, PeceEvaluatesTheCorrectedStateOnceMore) {
    // karras10: 10 steps; the corrector runs from step 1 on (9 steps), PECE evaluates each corrected state again.
    const Denoiser denoiser = saSolverTestDenoiser();
    const at::Tensor sigmas = saSolverFixture("sigmas.karras10");
    const at::Tensor x = saSolverFixture("start") * sigmas[0].item<double>();
    for (const auto& [name, calls] : std::map<std::string, int>{{"sa_solver", 10}, {"sa_solver_pece", 19}}) {
        int evaluations = 0;
        const Denoiser counting = [&](const at::Tensor& in, double s) {
            ++evaluations;
            return denoiser(in, s);
        };
        std::vector<int> steps;
        SamplerCallbacks callbacks;
        callbacks.onStep = [&](int step, int total, const at::Tensor&, const at::Tensor&) {
            EXPECT_EQ(total, 10);
            steps.push_back(step);
        };
        CpuGeneratorNoise noise(1);
        sample(name, counting, x, sigmas, noise, callbacks);
        EXPECT_EQ(evaluations, calls) << name;
        EXPECT_EQ(steps, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})) << name;

        CancelToken token;
        callbacks.cancel = &token;
        callbacks.onStep = [&](int step, int, const at::Tensor&, const at::Tensor&) {
            if (step == 2) token.cancel();
        };
        EXPECT_THROW(sample(name, counting, x, sigmas, noise, callbacks), Cancelled) << name;
    }
}

TEST(SaSolverComfyUI, RefusesBadSettingsAndRepeatedSigmas) {
    const Denoiser denoiser = saSolverTestDenoiser();
    const at::Tensor x = saSolverFixture("start");
    CpuGeneratorNoise noise(1);
    SamplerOptions options;
    options.saSolver = SaSolverSettings{};
    options.saSolver->predictorOrder = 7;
    try {
        sample("sa_solver", denoiser, x, at::tensor({5.0, 1.0, 0.0}, at::kDouble), noise, {}, options);
        FAIL() << "predictor order 7 was accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("predictor_order must be 1 to 6"), std::string::npos) << e.what();
    }
    try {
        sample("sa_solver", denoiser, x, at::tensor({5.0, 2.0, 2.0, 0.0}, at::kDouble), noise);
        FAIL() << "a repeated sigma was accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("repeats the noise level"), std::string::npos) << e.what();
    }
}
