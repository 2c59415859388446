// The custom-sampling schedules against numbers from ComfyUI's own functions
// (tests/fixtures/custom_schedules, made by make_custom_schedules.py), and the schedule edits
// (BasicScheduler, SplitSigmas, SplitSigmasDenoise, FlipSigmas) with ComfyUI's slicing.
#include "core/common/closest_names.h"
#include "core/engine/sampling/align_your_steps.h"
#include "core/engine/sampling/custom_schedules.h"
#include "core/engine/sampling/model_sampling.h"
#include "core/engine/sampling/schedulers.h"
#include "tests/support/error_message.h"
#include "tests/support/refdata.h"
#include "tests/support/sampling_fixtures.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace tessera;
using namespace tessera::engine;
using tessera::test::errorOf;
using tessera::test::eps;

namespace {

// A reference file of tests/fixtures/custom_schedules (made by the make_*.py there from ComfyUI's code).
QJsonObject scheduleFixture(const std::string& name) {
    QFile f(QString::fromStdString(test::sourceDir() + "/tests/fixtures/custom_schedules/" + name));
    EXPECT_TRUE(f.open(QIODevice::ReadOnly)) << name;
    return QJsonDocument::fromJson(f.readAll()).object();
}

std::vector<double> sigmaList(const at::Tensor& t) {
    const at::Tensor c = t.to(at::kDouble).contiguous();
    return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

// A float32 schedule against a fixture's sigmas, each within `relative` of its value (0: equal).
void expectSigmas(const at::Tensor& got, const QJsonArray& want, double relative, const std::string& what) {
    ASSERT_TRUE(got.defined()) << what;
    ASSERT_EQ(got.scalar_type(), at::kFloat) << what;
    ASSERT_EQ(got.numel(), want.size()) << what;
    const std::vector<double> values = sigmaList(got);
    for (int i = 0; i < want.size(); ++i)
        EXPECT_NEAR(values[size_t(i)], want[i].toDouble(), relative * std::abs(want[i].toDouble())) << what << " sigma " << i;
}

at::Tensor sigmaTensor(std::vector<float> v) { return at::tensor(v, at::kFloat); }

}  // namespace

TEST(CustomSchedules, MatchComfyUIsSchedulerFunctions) {
    const QJsonObject ref = scheduleFixture("custom_schedules.json");
    const ModelSampling& ms = eps();
    // The reference rebuilt SD1.x's sigma range the same way.
    EXPECT_EQ(ms.sigmaMin(), ref["sigma_min"].toDouble());
    EXPECT_EQ(ms.sigmaMax(), ref["sigma_max"].toDouble());
    int compared = 0;
    for (const auto& item : ref["cases"].toArray()) {
        const QJsonObject c = item.toObject();
        const std::string kind = c["kind"].toString().toStdString();
        const int steps = c["steps"].toInt();
        const double sigmaMax = c["sigma_max"].toDouble(), sigmaMin = c["sigma_min"].toDouble(), rho = c["rho"].toDouble();
        at::Tensor got;
        if (kind == "karras") got = karrasSigmas(steps, sigmaMin, sigmaMax, rho);
        if (kind == "exponential") got = exponentialSigmas(steps, sigmaMin, sigmaMax);
        if (kind == "polyexponential") got = polyexponentialSigmas(steps, sigmaMin, sigmaMax, rho);
        if (kind == "linear_quadratic") got = computeSigmas(ms, "linear_quadratic", steps);
        if (kind == "kl_optimal") got = computeSigmas(ms, "kl_optimal", steps);
        // float32 results: within two units in the last place
        ASSERT_NO_FATAL_FAILURE(expectSigmas(got, c["sigmas"].toArray(), 2.5e-7, kind + " " + std::to_string(steps)));
        ++compared;
    }
    EXPECT_EQ(compared, 17);
}

TEST(CustomSchedules, AlignYourStepsMatchesComfyUIsNode) {
    const QJsonArray cases = scheduleFixture("align_your_steps.json")["cases"].toArray();
    ASSERT_EQ(cases.size(), 33);
    for (const auto& item : cases) {
        const QJsonObject c = item.toObject();
        const std::string type = c["model_type"].toString().toStdString();
        const int steps = c["steps"].toInt();
        const double denoise = c["denoise"].toDouble();
        const std::string what = type + " steps " + std::to_string(steps) + " denoise " + std::to_string(denoise);
        // float32 both: equal, or one float32 step apart
        ASSERT_NO_FATAL_FAILURE(expectSigmas(alignYourStepsSigmas(type, steps, denoise), c["sigmas"].toArray(), 1.2e-7, what));
    }
    EXPECT_NE(errorOf([] { alignYourStepsSigmas("SD3", 10, 1.0); }).find("unknown model_type 'SD3'"), std::string::npos);
    EXPECT_NE(errorOf([] { alignYourStepsSigmas("SD1", 0, 1.0); }).find("steps must be at least 1"), std::string::npos);
}

TEST(CustomSchedules, VpAndLaplaceMatchComfyUIsFunctions) {
    const QJsonArray cases = scheduleFixture("vp_laplace.json")["cases"].toArray();
    ASSERT_EQ(cases.size(), 11);
    for (const auto& item : cases) {
        const QJsonObject c = item.toObject();
        const std::string kind = c["kind"].toString().toStdString();
        const int steps = c["steps"].toInt();
        const at::Tensor got = kind == "vp" ? vpSigmas(steps, c["beta_d"].toDouble(), c["beta_min"].toDouble(), c["eps_s"].toDouble())
                                            : laplaceSigmas(steps, c["sigma_min"].toDouble(), c["sigma_max"].toDouble(),
                                                            c["mu"].toDouble(), c["beta"].toDouble());
        // The same float32 operations in the same order: equal (and as many: Laplace's schedule has no final 0).
        ASSERT_NO_FATAL_FAILURE(expectSigmas(got, c["sigmas"].toArray(), 0.0, kind + " steps " + std::to_string(steps)));
    }
    EXPECT_NE(errorOf([] { vpSigmas(10, 19.9, 0.1, 0.0); }).find("eps_s must be above 0"), std::string::npos);
    EXPECT_NE(errorOf([] { laplaceSigmas(10, 2.0, 1.0, 0.0, 0.5); }).find("0 < sigma_min <= sigma_max"), std::string::npos);
}

TEST(CustomSchedules, KlOptimalOfOneStepIsTheLargestSigma) {
    // ComfyUI divides by steps - 1 and gets NaN for one step; Tessera starts at sigma_max.
    const std::vector<double> one = sigmaList(computeSigmas(eps(), "kl_optimal", 1));
    ASSERT_EQ(one.size(), 2u);
    EXPECT_NEAR(one[0], eps().sigmaMax(), 2e-5);
    EXPECT_EQ(one[1], 0.0);
}

TEST(CustomSchedules, BasicSchedulerIsKSamplersScheduleWithoutTheDpm2Drop) {
    const ModelSampling& ms = eps();
    for (const std::string& name : schedulerNames()) {
        EXPECT_TRUE(basicSchedulerSigmas(ms, name, 9, 1.0).equal(samplerSigmas(ms, name, 9, 1.0, "euler"))) << name;
        EXPECT_TRUE(basicSchedulerSigmas(ms, name, 6, 0.6).equal(samplerSigmas(ms, name, 6, 0.6, "euler"))) << name;
    }
    // int(10 / 0.6) = 16 steps, the last 11 sigmas kept.
    EXPECT_TRUE(basicSchedulerSigmas(ms, "normal", 10, 0.6).equal(computeSigmas(ms, "normal", 16).slice(0, 6, 17)));
    // dpm_2 drops a sigma in KSampler, not in BasicScheduler.
    EXPECT_EQ(basicSchedulerSigmas(ms, "karras", 8, 1.0).size(0), 9);
    EXPECT_EQ(basicSchedulerSigmas(ms, "normal", 8, 0.0).size(0), 0);
}

TEST(CustomSchedules, SplitSigmasSharesTheSigmaAtTheCut) {
    const at::Tensor s = sigmaTensor({10, 7, 4, 2, 1, 0});
    auto [high, low] = splitSigmasAtStep(s, 2);
    EXPECT_EQ(sigmaList(high), (std::vector<double>{10, 7, 4}));
    EXPECT_EQ(sigmaList(low), (std::vector<double>{4, 2, 1, 0}));
    auto [all, last] = splitSigmasAtStep(s, 5);
    EXPECT_EQ(all.size(0), 6);
    EXPECT_EQ(sigmaList(last), (std::vector<double>{0}));
    auto [first, whole] = splitSigmasAtStep(s, 0);
    EXPECT_EQ(sigmaList(first), (std::vector<double>{10}));
    EXPECT_EQ(whole.size(0), 6);

    const std::string beyond = errorOf([&] { splitSigmasAtStep(s, 6); });
    EXPECT_NE(beyond.find("SplitSigmas: step 6 is beyond"), std::string::npos) << beyond;
    EXPECT_NE(beyond.find("6 sigmas"), std::string::npos) << beyond;
    const std::string empty = errorOf([&] { splitSigmasAtStep(at::empty({0}, at::kFloat), 0); });
    EXPECT_NE(empty.find("SplitSigmas: the sigmas are empty"), std::string::npos) << empty;
}

TEST(CustomSchedules, SplitSigmasDenoiseKeepsTheLastFractionOfSteps) {
    const at::Tensor s = sigmaTensor({10, 7, 4, 2, 1, 0});  // 5 steps
    auto [high, low] = splitSigmasByDenoise(s, 0.6);          // round(3.0) = 3 low steps
    EXPECT_EQ(sigmaList(high), (std::vector<double>{10, 7, 4}));
    EXPECT_EQ(sigmaList(low), (std::vector<double>{4, 2, 1, 0}));
    auto [h2, l2] = splitSigmasByDenoise(s, 0.5);  // round(2.5) = 2, half to even as Python
    EXPECT_EQ(sigmaList(h2), (std::vector<double>{10, 7, 4, 2}));
    EXPECT_EQ(sigmaList(l2), (std::vector<double>{2, 1, 0}));
    auto [h3, l3] = splitSigmasByDenoise(s, 1.0);
    EXPECT_EQ(sigmaList(h3), (std::vector<double>{10}));
    EXPECT_EQ(l3.size(0), 6);
    auto [h4, l4] = splitSigmasByDenoise(s, 0.0);  // sigmas[:-0] is empty in Python
    EXPECT_EQ(h4.size(0), 0);
    EXPECT_EQ(sigmaList(l4), (std::vector<double>{0}));
    EXPECT_NE(errorOf([&] { splitSigmasByDenoise(at::empty({0}, at::kFloat), 0.5); }).find("empty"), std::string::npos);
}

TEST(CustomSchedules, FlipSigmasReversesAndLiftsAFinalZero) {
    EXPECT_EQ(sigmaList(flipSigmas(sigmaTensor({4, 2, 0}))), (std::vector<double>{float(0.0001), 2, 4}));
    EXPECT_EQ(sigmaList(flipSigmas(sigmaTensor({4, 2, 1}))), (std::vector<double>{1, 2, 4}));
    EXPECT_EQ(flipSigmas(at::empty({0}, at::kFloat)).size(0), 0);
}

TEST(CustomSchedules, SdTurboStartsLaterAsDenoiseFalls) {
    const ModelSampling& ms = eps();
    const std::vector<double> full = sigmaList(sdTurboSigmas(ms, 2, 1.0));
    ASSERT_EQ(full.size(), 3u);
    EXPECT_FLOAT_EQ(float(full[0]), float(ms.sigma(999)));
    EXPECT_FLOAT_EQ(float(full[1]), float(ms.sigma(899)));
    const std::vector<double> half = sigmaList(sdTurboSigmas(ms, 1, 0.5));
    EXPECT_FLOAT_EQ(float(half[0]), float(ms.sigma(499)));
    EXPECT_EQ(half.back(), 0.0);
}

TEST(CustomSchedules, BadParametersAreNamed) {
    EXPECT_NE(errorOf([] { karrasSigmas(0, 0.03, 14.6, 7); }).find("karras: steps must be at least 1"), std::string::npos);
    EXPECT_NE(errorOf([] { exponentialSigmas(5, 0.0, 14.6); }).find("exponential: sigma_min and sigma_max"), std::string::npos);
    EXPECT_NE(errorOf([] { karrasSigmas(5, 2.0, 1.0, 7); }).find("0 < sigma_min <= sigma_max"), std::string::npos);
    EXPECT_NE(errorOf([] { betaSigmas(eps(), 5, 0.0, 0.6); }).find("beta: alpha and beta must be above 0"), std::string::npos);
}

TEST(ClosestNames, SuggestTheNearestKnownNames) {
    const std::vector<std::string> samplers = {"euler", "euler_ancestral", "heun", "dpm_2", "dpmpp_2m", "dpmpp_2m_sde"};
    EXPECT_EQ(closestNames("eulr", samplers), (std::vector<std::string>{"euler"}));
    EXPECT_EQ(closestNames("eluer", samplers), (std::vector<std::string>{"euler"}));  // swapped letters cost 1
    EXPECT_EQ(closestNames("dpmpp_2m_sde_gpu", samplers), (std::vector<std::string>{"dpmpp_2m_sde"}));
    EXPECT_TRUE(closestNames("uni_pc", samplers).empty());
    EXPECT_EQ(unknownNameMessage("sampler", "eulr", {"euler", "heun"}),
              "unknown sampler 'eulr'; did you mean 'euler'? valid samplers: euler, heun");
    EXPECT_EQ(unknownNameMessage("sampler", "zzz", {"euler", "heun"}), "unknown sampler 'zzz'; valid samplers: euler, heun");
    EXPECT_EQ(didYouMean("dpm_3", {"dpm_2", "dpm_4"}), "did you mean 'dpm_2' or 'dpm_4'?");
}

TEST(ClosestNames, UnknownSchedulerAndSamplerErrorsSuggestOne) {
    const std::string scheduler = errorOf([] { computeSigmas(eps(), "kl_optimall", 10); });
    EXPECT_EQ(scheduler.rfind("unknown scheduler 'kl_optimall'; did you mean 'kl_optimal'? valid schedulers: normal, ", 0), 0u)
        << scheduler;
    const std::string sampler = errorOf([] { samplerSigmas(eps(), "normal", 10, 1.0, "eulr"); });
    EXPECT_EQ(sampler.rfind("unknown sampler 'eulr'; did you mean 'euler'? valid samplers: euler, ", 0), 0u) << sampler;
}
