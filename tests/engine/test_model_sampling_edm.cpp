// ModelSamplingContinuousEDM against numbers from ComfyUI's own comfy/model_sampling.py classes and
// scheduler functions (tests/fixtures/model_sampling, made by make_edm_fixtures.py): the sigma buffer,
// timestep <-> sigma, percent_to_sigma, the schedules built on it, and the eps / v / edm denoising.
#include "core/common/error.h"
#include "core/engine/sampling/model_sampling.h"
#include "core/engine/sampling/schedulers.h"
#include "tests/support/refdata.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace tessera;
using namespace tessera::engine;

namespace {

QJsonObject edmReference() {
    QFile f(QString::fromStdString(test::sourceDir() + "/tests/fixtures/model_sampling/edm_sampling.json"));
    EXPECT_TRUE(f.open(QIODevice::ReadOnly));
    return QJsonDocument::fromJson(f.readAll()).object();
}

std::vector<double> edmNumbers(const QJsonValue& v) {
    std::vector<double> out;
    for (const auto& x : v.toArray()) out.push_back(x.toDouble());
    return out;
}

at::Tensor edmTensor(const QJsonValue& v, at::IntArrayRef shape) {
    const std::vector<double> values = edmNumbers(v);
    return at::tensor(values, at::kDouble).to(at::kFloat).view(shape);
}

Prediction edmPrediction(const std::string& sampling) {
    if (sampling == "v_prediction") return Prediction::V;
    if (sampling == "edm") return Prediction::Edm;
    return Prediction::Eps;
}

ModelSampling edmSampling(const QJsonObject& c) {
    const std::string sampling = c["sampling"].toString().toStdString();
    return ModelSampling::continuousEdm(edmPrediction(sampling), c["sigma_min"].toDouble(), c["sigma_max"].toDouble(),
                                        sampling == "edm" ? 0.5 : 1.0);
}

void expectNearEdm(const std::vector<double>& got, const std::vector<double>& want, double rel, const std::string& what) {
    ASSERT_EQ(got.size(), want.size()) << what;
    for (size_t i = 0; i < got.size(); ++i)
        EXPECT_NEAR(got[i], want[i], rel * std::max(1.0, std::fabs(want[i]))) << what << " [" << i << "]";
}

}  // namespace

TEST(ModelSamplingEdm, SigmaBufferTimestepsAndPercentsMatchComfyUI) {
    const QJsonObject ref = edmReference();
    ASSERT_EQ(ref["cases"].toArray().size(), 3);
    for (const auto& item : ref["cases"].toArray()) {
        const QJsonObject c = item.toObject();
        const ModelSampling ms = edmSampling(c);
        const std::string name = c["sampling"].toString().toStdString();
        EXPECT_TRUE(ms.isContinuous());
        const std::vector<double> sigmas = edmNumbers(c["sigmas"]);
        ASSERT_EQ(ms.size(), 1000);
        for (int64_t i = 0; i < 1000; ++i)
            EXPECT_FLOAT_EQ(ms.sigmaAt(i), sigmas[size_t(i)]) << name << " sigma " << i;
        std::vector<double> timesteps, sigmaOfT, percents;
        for (double s : edmNumbers(c["probe_sigmas"])) timesteps.push_back(ms.timestep(s));
        for (double t : edmNumbers(c["probe_timesteps"])) sigmaOfT.push_back(ms.sigma(t));
        for (double p : edmNumbers(c["percents"])) percents.push_back(ms.percentToSigma(p));
        expectNearEdm(timesteps, edmNumbers(c["timesteps"]), 1e-7, name + " timestep");
        expectNearEdm(sigmaOfT, edmNumbers(c["sigma_of_timesteps"]), 1e-6, name + " sigma(t)");
        expectNearEdm(percents, edmNumbers(c["percent_to_sigma"]), 1e-9, name + " percent_to_sigma");
    }
}

TEST(ModelSamplingEdm, SchedulesMatchComfyUIsSchedulers) {
    const QJsonObject ref = edmReference();
    int compared = 0;
    for (const auto& item : ref["cases"].toArray()) {
        const QJsonObject c = item.toObject();
        const ModelSampling ms = edmSampling(c);
        const QJsonObject schedules = c["schedules"].toObject();
        for (auto it = schedules.begin(); it != schedules.end(); ++it) {
            const std::string key = it.key().toStdString();
            const std::string scheduler = key.substr(0, key.find('.'));
            const int steps = std::stoi(key.substr(key.find('.') + 1));
            const at::Tensor got = computeSigmas(ms, scheduler, steps).to(at::kDouble).contiguous();
            expectNearEdm(std::vector<double>(got.data_ptr<double>(), got.data_ptr<double>() + got.numel()), edmNumbers(it.value()),
                       1e-6, c["sampling"].toString().toStdString() + " " + key);
            ++compared;
        }
    }
    EXPECT_EQ(compared, 3 * 18);
}

TEST(ModelSamplingEdm, InputScalingAndDenoisingMatchComfyUIForEpsVAndEdm) {
    const QJsonObject ref = edmReference();
    const std::vector<int64_t> shape = {1, 2, 2, 2};
    const at::Tensor x = edmTensor(ref["x"], shape), out = edmTensor(ref["model_output"], shape);
    for (const auto& item : ref["cases"].toArray()) {
        const QJsonObject c = item.toObject();
        const ModelSampling ms = edmSampling(c);
        for (const auto& calc : c["calc"].toArray()) {
            const QJsonObject k = calc.toObject();
            const double sigma = k["sigma"].toDouble();
            const std::string what = c["sampling"].toString().toStdString() + " sigma " + std::to_string(sigma);
            EXPECT_TRUE(at::allclose(ms.calculateInput(sigma, x), edmTensor(k["input"], shape), 1e-6, 1e-6)) << what;
            EXPECT_TRUE(at::allclose(ms.calculateDenoised(sigma, out, x), edmTensor(k["denoised"], shape), 1e-6, 1e-6)) << what;
        }
    }
}

TEST(ModelSamplingEdm, RefusesAnEmptyOrInvertedSigmaRange) {
    for (auto [lo, hi] : std::vector<std::pair<double, double>>{{0.0, 120.0}, {5.0, 1.0}, {-1.0, 2.0}})
        EXPECT_THROW(ModelSampling::continuousEdm(Prediction::V, lo, hi, 1.0), Error) << lo << " " << hi;
}
