#include "core/common/error.h"
#include "core/engine/sampling/beta_distribution.h"
#include "core/engine/sampling/model_sampling.h"
#include "core/engine/sampling/schedulers.h"
#include "tests/support/error_message.h"
#include "tests/support/refdata.h"
#include "tests/support/sampling_fixtures.h"
#include "tests/support/tensor_compare.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>

using namespace tessera;
using namespace tessera::engine;
using tessera::test::errorOf;

namespace {

using tessera::test::eps;

std::vector<double> values(const at::Tensor& t) {
    const at::Tensor c = t.to(at::kDouble).contiguous();
    return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

void expectDecreasingToZero(const at::Tensor& sigmas, const std::string& what) {
    const auto v = values(sigmas);
    ASSERT_GE(v.size(), 2u) << what;
    EXPECT_EQ(v.back(), 0.0) << what;
    for (size_t i = 1; i < v.size(); ++i) EXPECT_LT(v[i], v[i - 1]) << what << " at " << i;
}

}  // namespace

TEST(Schedulers, EveryPipelineCaseMatchesTheGoldenSigmas) {
    QFile file(QString::fromStdString(tessera::test::refdataPath("cases/pipelines.json")));
    ASSERT_TRUE(file.open(QIODevice::ReadOnly));
    const QJsonArray cases = QJsonDocument::fromJson(file.readAll()).object().value("cases").toArray();
    ASSERT_EQ(cases.size(), 12);
    const auto golden = tessera::test::loadCase("pipelines.safetensors");
    for (const auto& value : cases) {
        const QJsonObject c = value.toObject();
        const std::string name = c.value("name").toString().toStdString();
        const Prediction prediction = c.value("model").toString() == "sd2" ? Prediction::V : Prediction::Eps;
        const ModelSampling ms = ModelSampling::discrete(prediction);
        const at::Tensor got = samplerSigmas(ms, c.value("scheduler").toString().toStdString(), c.value("steps").toInt(),
                                             c.value("denoise").toDouble(), c.value("sampler").toString().toStdString());
        SCOPED_TRACE(name);
        EXPECT_MATCHES_REFERENCE(got, golden.at(name + ".sigmas"));
    }
}

TEST(Schedulers, EveryScheduleDecreasesToZeroWithTheRightLength) {
    const ModelSampling& ms = eps();
    for (int steps : {1, 2, 3, 7, 10, 20, 25, 50}) {
        for (const std::string& name : schedulerNames()) {
            const at::Tensor s = computeSigmas(ms, name, steps);
            const std::string what = name + " " + std::to_string(steps);
            EXPECT_EQ(s.scalar_type(), at::kFloat);
            expectDecreasingToZero(s, what);
            if (name == "ddim_uniform") {
                // One sigma per stride 1000/steps from index 1: more than steps when steps does not divide 1000.
                const int64_t stride = 1000 / steps;
                EXPECT_EQ(s.size(0), (999 - 1) / stride + 1 + 1) << what;
                EXPECT_FLOAT_EQ(s[0].item<float>(), static_cast<float>(ms.sigmaAt(1 + stride * ((999 - 1) / stride)))) << what;
            } else if (name == "beta") {
                EXPECT_LE(s.size(0), steps + 1) << what;
                EXPECT_GE(s.size(0), std::min(steps, 2) + 1) << what;
            } else {
                EXPECT_EQ(s.size(0), steps + 1) << what;
            }
            if (name != "ddim_uniform") {
                EXPECT_NEAR(s[0].item<double>(), ms.sigmaMax(), 1e-5) << what;
            }
        }
    }
    const at::Tensor ddim10 = computeSigmas(ms, "ddim_uniform", 10);
    EXPECT_EQ(ddim10.size(0), 11);
    EXPECT_FLOAT_EQ(ddim10[9].item<float>(), static_cast<float>(ms.sigmaAt(1)));
}

TEST(Schedulers, KarrasAndExponentialSpacing) {
    const ModelSampling& ms = eps();
    const auto karras = values(computeSigmas(ms, "karras", 8));
    const auto exponential = values(computeSigmas(ms, "exponential", 8));
    EXPECT_NEAR(karras[7], ms.sigmaMin(), 1e-6);
    EXPECT_NEAR(exponential[7], ms.sigmaMin(), 1e-6);
    const double karrasStep = std::pow(karras[1], 1 / 7.0) - std::pow(karras[0], 1 / 7.0);
    const double logStep = std::log(exponential[1]) - std::log(exponential[0]);
    for (int i = 1; i < 7; ++i) {
        EXPECT_NEAR(std::pow(karras[i + 1], 1 / 7.0) - std::pow(karras[i], 1 / 7.0), karrasStep, 1e-6);
        EXPECT_NEAR(std::log(exponential[i + 1]) - std::log(exponential[i]), logStep, 1e-5);
    }
}

TEST(Schedulers, SimpleAndNormalPickTheExpectedTimesteps) {
    const ModelSampling& ms = eps();
    const auto simple = values(computeSigmas(ms, "simple", 4));
    const int64_t indices[4] = {999, 749, 499, 249};
    for (int i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(static_cast<float>(simple[i]), static_cast<float>(ms.sigmaAt(indices[i])));
    // normal: timesteps linspace(999, 0, 4) = 999, 666, 333, 0.
    const auto normal = values(computeSigmas(ms, "normal", 4));
    EXPECT_FLOAT_EQ(static_cast<float>(normal[1]), static_cast<float>(ms.sigmaAt(666)));
    EXPECT_FLOAT_EQ(static_cast<float>(normal[3]), static_cast<float>(ms.sigmaAt(0)));
    // sgm_uniform: linspace(999, 0, 5) without its end = 999, 749.25, 499.5, 249.75.
    const auto sgm = values(computeSigmas(ms, "sgm_uniform", 4));
    EXPECT_NEAR(sgm[2], ms.sigma(499.5), 1e-6);
    EXPECT_NEAR(sgm[3], ms.sigma(249.75), 1e-6);
}

TEST(Schedulers, BetaQuantilesAreSymmetric) {
    const ModelSampling& ms = eps();
    // alpha = beta: quantiles of p and 1-p mirror, so timesteps t_i and t_{n-i} sum to 999 (+-1 from rounding).
    const auto beta = values(computeSigmas(ms, "beta", 10));
    ASSERT_EQ(beta.size(), 11u);
    for (int i = 1; i < 10; ++i) {
        const double t = ms.timestep(beta[i]), mirror = ms.timestep(beta[10 - i]);
        EXPECT_NEAR(t + mirror, 999, 1.0) << i;
    }
    // The beta(0.6, 0.6) density is U-shaped: steps bunch at both ends.
    EXPECT_LT(ms.timestep(beta[0]) - ms.timestep(beta[1]), ms.timestep(beta[4]) - ms.timestep(beta[5]));
}

TEST(BetaDistribution, MatchesClosedForms) {
    for (double x : {0.0, 0.01, 0.2, 0.5, 0.77, 0.999, 1.0}) {
        EXPECT_NEAR(regularizedIncompleteBeta(x, 1, 1), x, 1e-14);
        EXPECT_NEAR(regularizedIncompleteBeta(x, 2, 1), x * x, 1e-14);
        EXPECT_NEAR(regularizedIncompleteBeta(x, 1, 3), 1 - std::pow(1 - x, 3), 1e-14);
        // Arcsine distribution.
        EXPECT_NEAR(regularizedIncompleteBeta(x, 0.5, 0.5), 2 / M_PI * std::asin(std::sqrt(x)), 1e-13);
        EXPECT_NEAR(regularizedIncompleteBeta(x, 0.6, 0.6) + regularizedIncompleteBeta(1 - x, 0.6, 0.6), 1.0, 1e-13);
    }
    for (double p : {0.001, 0.1, 0.5, 0.9, 0.9999}) {
        const double s = std::sin(p * M_PI / 2);
        EXPECT_NEAR(inverseRegularizedIncompleteBeta(p, 0.5, 0.5), s * s, 1e-13);
        EXPECT_NEAR(regularizedIncompleteBeta(inverseRegularizedIncompleteBeta(p, 0.6, 0.6), 0.6, 0.6), p, 1e-13);
    }
    EXPECT_EQ(inverseRegularizedIncompleteBeta(1.0, 0.6, 0.6), 1.0);
    EXPECT_THROW(inverseRegularizedIncompleteBeta(1.5, 0.6, 0.6), Error);
}

TEST(Schedulers, DenoiseKeepsTheTailOfALongerSchedule) {
    const ModelSampling& ms = eps();
    const at::Tensor full = computeSigmas(ms, "karras", 13);  // int(8 / 0.6) = 13
    const at::Tensor partial = samplerSigmas(ms, "karras", 8, 0.6, "euler");
    EXPECT_TRUE(at::equal(partial, full.slice(0, 5)));
    EXPECT_TRUE(at::equal(samplerSigmas(ms, "normal", 9, 1.0, "heun"), computeSigmas(ms, "normal", 9)));
    EXPECT_TRUE(at::equal(samplerSigmas(ms, "normal", 9, 0.99995, "heun"), computeSigmas(ms, "normal", 9)));
    EXPECT_EQ(samplerSigmas(ms, "normal", 9, 0.0, "euler").numel(), 0);
}

TEST(Schedulers, Dpm2DropsThePenultimateSigmaOfOneMoreStep) {
    const ModelSampling& ms = eps();
    for (const std::string sampler : {"dpm_2", "dpm_2_ancestral"}) {
        const at::Tensor longer = computeSigmas(ms, "normal", 6);
        const at::Tensor got = samplerSigmas(ms, "normal", 5, 1.0, sampler);
        ASSERT_EQ(got.size(0), 6);
        EXPECT_TRUE(at::equal(got.slice(0, 0, 5), longer.slice(0, 0, 5)));
        EXPECT_EQ(got[5].item<float>(), 0.0f);
    }
}

TEST(Schedulers, BadNamesAndValuesAreExplained) {
    const ModelSampling& ms = eps();
    const std::string badScheduler = errorOf([&] { computeSigmas(ms, "karas", 10); });
    EXPECT_NE(badScheduler.find("'karas'"), std::string::npos);
    EXPECT_NE(badScheduler.find("karras"), std::string::npos);
    EXPECT_NE(badScheduler.find("ddim_uniform"), std::string::npos);
    const std::string badSampler = errorOf([&] { samplerSigmas(ms, "normal", 10, 1.0, "euler_a"); });
    EXPECT_NE(badSampler.find("'euler_a'"), std::string::npos);
    EXPECT_NE(badSampler.find("dpmpp_2m"), std::string::npos);
    EXPECT_NE(errorOf([&] { samplerSigmas(ms, "normal", 0, 1.0, "euler"); }).find("steps"), std::string::npos);
    EXPECT_NE(errorOf([&] { samplerSigmas(ms, "normal", 10, 1.5, "euler"); }).find("denoise"), std::string::npos);
    EXPECT_NE(errorOf([&] { samplerSigmas(ms, "normal", 10, std::nan(""), "euler"); }).find("denoise"), std::string::npos);
}
