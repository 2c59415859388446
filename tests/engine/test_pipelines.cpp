// The twelve whole-pipeline cases of refdata/cases/pipelines.json through the engine's own API:
// checkpoint loading, text encoding, VAE encode, KSampler (noise, schedule, sampler, CFG,
// noise mask, ControlNet) and VAE decode, each compared with the golden tensors.
#include "core/engine/files/checkpoint.h"
#include "core/engine/sampling/ksampler.h"
#include "core/engine/text/text_encoder.h"
#include "core/engine/networks/vae.h"
#include "tests/support/error_message.h"
#include "tests/support/pipeline_cases.h"
#include "tests/support/refdata.h"
#include "tests/support/tensor_compare.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

using namespace tessera;
using namespace tessera::engine;
using namespace tessera::test;

namespace {


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

class Pipelines : public ::testing::TestWithParam<PipelineCase> {};

TEST_P(Pipelines, MatchesReference) {
    const PipelineCase& c = GetParam();
    const auto& g = pipelineGolden();
    const LoadedCheckpoint& ckpt = checkpoint(c.model);

    KSamplerRequest r;
    r.model = ckpt.model;
    auto entry = [](const at::Tensor& context) {
        engine::Conditioning cond;
        cond.context = context;
        return cond;
    };
    r.positive = {entry(ckpt.text->encode(pipelinePrompt()))};
    r.negative = {entry(ckpt.text->encode(pipelineNegative()))};
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
        r.positive[0].controls = {ctl};
        r.negative[0].controls = {ctl};
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

// CFG++ through the KSampler path: with the negative equal to the positive the guided estimate is the
// unconditional one, so euler_cfg_pp takes euler's steps; with a real negative it steps differently, and an
// inpainting mask keeps the unmasked latent.
TEST(PipelinesCfgPp, KSamplerRunsTheCfgPpSamplersOnTheUnconditionalEstimate) {
    const LoadedCheckpoint& ckpt = checkpoint("sd15");
    auto entry = [](const at::Tensor& context) {
        engine::Conditioning cond;
        cond.context = context;
        return cond;
    };
    KSamplerRequest r;
    r.model = ckpt.model;
    r.positive = {entry(ckpt.text->encode(pipelinePrompt()))};
    r.negative = r.positive;
    r.latent = at::zeros({1, 4, 8, 8});
    r.seed = 3;
    r.steps = 4;
    r.cfg = 6.0;
    r.scheduler = "karras";
    r.sampler = "euler";
    const at::Tensor euler = runKSampler(r);
    r.sampler = "euler_cfg_pp";
    int steps = 0;
    SamplerCallbacks callbacks;
    callbacks.onStep = [&](int, int, const at::Tensor&, const at::Tensor&) { ++steps; };
    const at::Tensor sameNegative = runKSampler(r, callbacks);
    EXPECT_EQ(steps, 4);
    EXPECT_LT((sameNegative - euler).abs().max().item<double>(), 1e-4 * euler.abs().max().item<double>());

    r.negative = {entry(ckpt.text->encode(pipelineNegative()))};
    const at::Tensor guided = runKSampler(r);
    EXPECT_GT((guided - sameNegative).abs().max().item<double>(), 1e-3);

    r.sampler = "dpmpp_2m_cfg_pp";
    r.denoise = 0.6;
    r.latent = at::randn({1, 4, 8, 8}, at::TensorOptions().dtype(at::kFloat));
    r.noiseMask = at::zeros({1, 64, 64});
    r.noiseMask.narrow(2, 0, 32).fill_(1.0);  // repaint the left half only
    const at::Tensor inpainted = runKSampler(r);
    EXPECT_TRUE(at::allclose(inpainted.narrow(3, 4, 4), r.latent.narrow(3, 4, 4), 1e-5, 1e-5));
}

INSTANTIATE_TEST_SUITE_P(Refdata, Pipelines, ::testing::ValuesIn(loadPipelineCases()),
                         [](const ::testing::TestParamInfo<PipelineCase>& info) { return testNameOf(info.param.name); });

}  // namespace
