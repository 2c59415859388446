// The twelve whole-pipeline cases of refdata/cases/pipelines.json through the engine's own API:
// checkpoint loading, text encoding, VAE encode, KSampler (noise, schedule, sampler, CFG,
// noise mask, ControlNet) and VAE decode, each compared with the golden tensors.
#include "core/engine/checkpoint.h"
#include "core/engine/ksampler.h"
#include "core/engine/text_encoder.h"
#include "core/engine/vae.h"
#include "tests/support/refdata.h"
#include "tests/support/tensor_compare.h"

#include <ATen/ATen.h>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <gtest/gtest.h>

using namespace tessera;
using namespace tessera::engine;

namespace {

struct PipelineCase {
    std::string name, model, sampler, scheduler;
    int steps = 0;
    double denoise = 1, cfg = 1;
    int64_t seed = 0;
    bool empty = false, mask = false, control = false;
    double controlStrength = 1, controlStart = 0, controlEnd = 1;
};

void PrintTo(const PipelineCase& c, std::ostream* os) { *os << c.name; }

QJsonObject pipelinesJson() {
    QFile f(QString::fromStdString(test::refdataPath("cases/pipelines.json")));
    if (!f.open(QIODevice::ReadOnly)) throw std::runtime_error("cannot read pipelines.json");
    return QJsonDocument::fromJson(f.readAll()).object();
}

std::vector<PipelineCase> loadCases() {
    std::vector<PipelineCase> out;
    for (const auto& v : pipelinesJson().value("cases").toArray()) {
        const QJsonObject o = v.toObject();
        PipelineCase c;
        c.name = o.value("name").toString().toStdString();
        c.model = o.value("model").toString().toStdString();
        c.sampler = o.value("sampler").toString().toStdString();
        c.scheduler = o.value("scheduler").toString().toStdString();
        c.steps = o.value("steps").toInt();
        c.denoise = o.value("denoise").toDouble();
        c.cfg = o.value("cfg").toDouble();
        c.seed = o.value("seed").toInteger();
        c.empty = o.value("empty").toBool();
        c.mask = o.value("mask").toBool();
        if (o.contains("control")) {
            const QJsonObject ctl = o.value("control").toObject();
            c.control = true;
            c.controlStrength = ctl.value("strength").toDouble();
            c.controlStart = ctl.value("start_percent").toDouble();
            c.controlEnd = ctl.value("end_percent").toDouble();
        }
        out.push_back(c);
    }
    return out;
}

const LoadedCheckpoint& checkpoint(const std::string& model) {
    static std::map<std::string, LoadedCheckpoint> cache;
    auto it = cache.find(model);
    if (it != cache.end()) return it->second;
    LoadOptions options;
    options.modelDirs = {test::refdataDir()};
    ::setenv("TESSERA_CLIP_VOCAB", test::refdataPath("bpe_simple_vocab_16e6.txt.gz").c_str(), 1);
    std::string file = "models/tiny-sd15.safetensors";
    if (model == "sd2") {
        file = "models/tiny-sd2-v.safetensors";
        options.prediction = Prediction::V;  // not readable from tiny weights (README)
    }
    return cache[model] = loadCheckpoint(test::refdataPath(file), options);
}

const std::map<std::string, at::Tensor>& golden() {
    static const auto tensors = test::loadCase("pipelines.safetensors");
    return tensors;
}

class Pipelines : public ::testing::TestWithParam<PipelineCase> {};

TEST_P(Pipelines, MatchesReference) {
    const PipelineCase& c = GetParam();
    const auto& g = golden();
    const LoadedCheckpoint& ckpt = checkpoint(c.model);
    const QJsonObject top = pipelinesJson();

    KSamplerRequest r;
    r.model = ckpt.model;
    r.positive.context = ckpt.text->encode(top.value("prompt").toString().toStdString());
    r.negative.context = ckpt.text->encode(top.value("negative").toString().toStdString());
    const at::Tensor source = g.at("source_image").permute({0, 3, 1, 2}).contiguous();
    r.latent = c.empty ? at::zeros({1, 4, source.size(2) / 8, source.size(3) / 8})
                       : ckpt.vae->encode(source * 2 - 1);
    if (c.mask) r.noiseMask = g.at("mask");
    if (c.control) {
        ControlApplication ctl;
        ctl.net = loadControlNetFile(test::refdataPath("models/tiny-controlnet-sd15.safetensors"));
        ctl.hint = g.at("hint").permute({0, 3, 1, 2}).contiguous();
        ctl.strength = c.controlStrength;
        ctl.startPercent = c.controlStart;
        ctl.endPercent = c.controlEnd;
        r.positive.controls = {ctl};
        r.negative.controls = {ctl};
    }
    r.seed = c.seed;
    r.steps = c.steps;
    r.cfg = c.cfg;
    r.sampler = c.sampler;
    r.scheduler = c.scheduler;
    r.denoise = c.denoise;

    EXPECT_MATCHES_REFERENCE(requestSigmas(r), g.at(c.name + ".sigmas"));
    int steps = 0;
    SamplerCallbacks callbacks;
    callbacks.onStep = [&](int, int, const at::Tensor&, const at::Tensor&) { ++steps; };
    const at::Tensor latent = runKSampler(r, callbacks);
    EXPECT_EQ(steps, c.steps);
    EXPECT_MATCHES_REFERENCE(latent, g.at(c.name + ".latent"));
    const at::Tensor image = at::clamp((ckpt.vae->decode(latent) + 1) / 2, 0, 1).permute({0, 2, 3, 1});
    EXPECT_MATCHES_REFERENCE(image, g.at(c.name + ".image"));
}

INSTANTIATE_TEST_SUITE_P(Refdata, Pipelines, ::testing::ValuesIn(loadCases()),
                         [](const ::testing::TestParamInfo<PipelineCase>& info) {
                             std::string n = info.param.name;
                             for (char& ch : n)
                                 if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
                             return n;
                         });

}  // namespace
