// KSampler, KSamplerAdvanced and Noise by Strength as nodes: ComfyUI's chaining properties,
// progress and previews every step, and cancellation within a step.
#include "core/engine/sampling/noise.h"
#include "core/exec/executor.h"
#include "nodes/values.h"
#include "tests/nodes/node_test_support.h"
#include "tests/support/refdata.h"
#include "tests/support/tensor_compare.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <atomic>
#include <thread>

using namespace tessera;
using namespace tessera::test;

namespace {

class SamplingNodes : public ::testing::Test {
protected:
    void SetUp() override {
        const auto g = loadCase("pipelines.safetensors");
        testTensors()["source"] = g.at("source_image");
    }

    // Loader, prompts and the source image's latent; returns the ids the samplers connect to.
    void addInputs() {
        loader = b.add("CheckpointLoaderSimple", {{"ckpt_name", "tiny-sd15.safetensors"}});
        positive = b.add("CLIPTextEncode", {{"text", "a watercolor painting of a cat"}});
        negative = b.add("CLIPTextEncode", {{"text", "blurry"}});
        b.link(loader, 1, positive, "clip");
        b.link(loader, 1, negative, "clip");
        const NodeId image = b.add("TestImage", {{"name", "source"}});
        latent = b.add("VAEEncode");
        b.link(image, 0, latent, "pixels");
        b.link(loader, 2, latent, "vae");
    }

    NodeId addSampler(const std::string& type, std::map<std::string, Value> widgets, NodeId from) {
        const NodeId s = b.add(type, widgets);
        b.link(loader, 0, s, "model");
        b.link(positive, 0, s, "positive");
        b.link(negative, 0, s, "negative");
        b.link(from, 0, s, "latent_image");
        return s;
    }

    // A KSampler whose model comes through a `patchType` node (RescaleCFG, FreeU, ...): returns the sampler.
    NodeId addPatchedSampler(const std::string& patchType, std::map<std::string, Value> patchWidgets,
                             const std::map<std::string, Value>& widgets) {
        const NodeId patch = b.add(patchType, std::move(patchWidgets));
        b.link(loader, 0, patch, "model");
        const NodeId s = addSampler("KSampler", widgets, latent);
        b.link(patch, 0, s, "model");
        return s;
    }

    RunResult run(std::vector<NodeId> targets, Executor::Observer observer = {}) {
        return executor.run(b.graph, models.env(), std::move(observer), std::move(targets));
    }

    ModelsFolder models;
    Executor executor{engineNodeRegistry()};
    GraphBuilder b;
    NodeId loader = 0, positive = 0, negative = 0, latent = 0;
};

TEST_F(SamplingNodes, NoiseByStrengthThenKSamplerEqualsOneKSampler) {
    addInputs();
    for (const std::string sampler : {"euler", "euler_ancestral"}) {
        const std::map<std::string, Value> common = {{"seed", 17},        {"steps", 8},          {"cfg", 6.5},
                                                     {"sampler_name", sampler}, {"scheduler", "karras"}, {"denoise", 0.6}};
        const NodeId noised = b.add("NoiseByStrength", {{"seed", 17},
                                                        {"strength", 0.6},
                                                        {"steps", 8},
                                                        {"scheduler", "karras"},
                                                        {"sampler_name", sampler}});
        b.link(latent, 0, noised, "samples");
        const NodeId continued = addSampler("KSampler", common, noised);
        const NodeId single = addSampler("KSampler", common, latent);
        const RunResult r = run({continued, single});
        ASSERT_TRUE(r.succeeded()) << r.message;
        EXPECT_TRUE(closeToReference(outputTensor(r, continued), outputTensor(r, single), 1e-5)) << sampler;

        // The noised latent shows what survives: the source plus noise of the schedule's first sigma.
        auto value = r.outputs.at(noised)[0].as<nodes::LatentValue>();
        ASSERT_TRUE(value->noised.has_value());
        const at::Tensor expected = outputTensor(r, latent) + value->noised->noise * value->noised->sigmas[0] / 0.18215;
        EXPECT_TRUE(closeToReference(value->samples, expected, 1e-5));
        EXPECT_TRUE(value->noised->noise.equal(engine::prepareNoise(17, value->samples.sizes())));
    }
}

TEST_F(SamplingNodes, NoiseByStrengthPreviewsTheNoisedLatentAndStrengthZeroKeepsIt) {
    addInputs();
    const NodeId none = b.add("NoiseByStrength", {{"seed", 1}, {"strength", 0.0}, {"steps", 10}});
    const NodeId some = b.add("NoiseByStrength", {{"seed", 1}, {"strength", 0.3}, {"steps", 10}});
    const NodeId lots = b.add("NoiseByStrength", {{"seed", 1}, {"strength", 0.9}, {"steps", 10}});
    for (NodeId n : {none, some, lots}) b.link(latent, 0, n, "samples");
    std::map<NodeId, int> previews;
    const RunResult r = run({none, some, lots}, [&](const ExecEvent& e) {
        if (e.kind != ExecEvent::Kind::Preview) return;
        ++previews[e.node];
        EXPECT_EQ(e.preview->width, 64);
        EXPECT_EQ(e.preview->height, 64);
        EXPECT_EQ(e.preview->rgb.size(), size_t(64 * 64 * 3));
    });
    ASSERT_TRUE(r.succeeded()) << r.message;
    EXPECT_EQ(previews[none], 1);
    EXPECT_EQ(previews[some], 1);
    EXPECT_EQ(previews[lots], 1);
    const at::Tensor source = outputTensor(r, latent);
    EXPECT_TRUE(closeToReference(outputTensor(r, none), source, 1e-6));
    const double d3 = (outputTensor(r, some) - source).abs().mean().item<double>();
    const double d9 = (outputTensor(r, lots) - source).abs().mean().item<double>();
    EXPECT_GT(d3, 0.0);
    EXPECT_GT(d9, 3 * d3);
}

TEST_F(SamplingNodes, KSamplerAdvancedHalvesEqualOneFullRun) {
    addInputs();
    const std::map<std::string, Value> full = {{"seed", 5},           {"steps", 10},          {"cfg", 7.0},
                                               {"sampler_name", "euler"}, {"scheduler", "normal"}, {"denoise", 1.0}};
    const NodeId whole = addSampler("KSampler", full, latent);
    const NodeId first = addSampler("KSamplerAdvanced", {{"add_noise", "enable"},
                                                         {"noise_seed", 5},
                                                         {"steps", 10},
                                                         {"cfg", 7.0},
                                                         {"sampler_name", "euler"},
                                                         {"scheduler", "normal"},
                                                         {"start_at_step", 0},
                                                         {"end_at_step", 4},
                                                         {"return_with_leftover_noise", "enable"}},
                                    latent);
    const NodeId second = addSampler("KSamplerAdvanced", {{"add_noise", "disable"},
                                                          {"noise_seed", 5},
                                                          {"steps", 10},
                                                          {"cfg", 7.0},
                                                          {"sampler_name", "euler"},
                                                          {"scheduler", "normal"},
                                                          {"start_at_step", 4},
                                                          {"end_at_step", 10000},
                                                          {"return_with_leftover_noise", "disable"}},
                                     first);
    std::map<NodeId, int> progress;
    const RunResult r = run({whole, second}, [&](const ExecEvent& e) {
        if (e.kind == ExecEvent::Kind::Progress) ++progress[e.node];
    });
    ASSERT_TRUE(r.succeeded()) << r.message;
    EXPECT_MATCHES_REFERENCE(outputTensor(r, second), outputTensor(r, whole));
    // The first half stops with noise left: far from the finished latent.
    EXPECT_GT((outputTensor(r, first) - outputTensor(r, whole)).abs().max().item<double>(), 0.1);
    EXPECT_EQ(progress[whole], 10);
    EXPECT_EQ(progress[first], 4);
    EXPECT_EQ(progress[second], 6);
}

TEST_F(SamplingNodes, LatentsTakenFromABatchKeepTheirSeedNoiseLikeComfyUI) {
    addInputs();
    const std::map<std::string, Value> common = {{"seed", 23},           {"steps", 3},          {"cfg", 4.0},
                                                 {"sampler_name", "euler"}, {"scheduler", "normal"}, {"denoise", 1.0}};
    const NodeId empty = b.add("EmptyLatentImage", {{"width", 64}, {"height", 64}, {"batch_size", 3}});
    const NodeId batch = addSampler("KSampler", common, empty);
    const NodeId third = b.add("LatentFromBatch", {{"batch_index", 2}, {"length", 1}});
    b.link(empty, 0, third, "samples");
    const NodeId thirdAlone = addSampler("KSampler", common, third);
    const NodeId fixed = b.add("LatentBatchSeedBehavior", {{"seed_behavior", "fixed"}});
    b.link(third, 0, fixed, "samples");
    const NodeId repeated = b.add("RepeatLatentBatch", {{"amount", 2}});
    b.link(fixed, 0, repeated, "samples");
    const NodeId fixedPair = addSampler("KSampler", common, repeated);
    const NodeId single = b.add("EmptyLatentImage", {{"width", 64}, {"height", 64}, {"batch_size", 1}});
    const NodeId joined = b.add("LatentBatch");
    b.link(single, 0, joined, "samples1");
    b.link(single, 0, joined, "samples2");
    const NodeId joinedPair = addSampler("KSampler", common, joined);
    const RunResult r = run({batch, thirdAlone, fixedPair, joinedPair});
    ASSERT_TRUE(r.succeeded()) << r.message;

    // ComfyUI samples LatentFromBatch's latent with the noise it had in the batch (batch_index 2).
    const at::Tensor batched = outputTensor(r, batch);
    EXPECT_TRUE(closeToReference(outputTensor(r, thirdAlone), batched.narrow(0, 2, 1), 1e-5));
    EXPECT_GT((batched[2] - batched[0]).abs().max().item<double>(), 0.1);
    // "fixed" gives the whole batch the first entry's index (2 here); RepeatLatentBatch then numbers the copy on
    // from the index span (offset 1): indices [2, 3].
    const auto pair = r.outputs.at(repeated)[0].as<nodes::LatentValue>();
    EXPECT_EQ(pair->batchIndex, (std::vector<int64_t>{2, 3}));
    const at::Tensor pairOut = outputTensor(r, fixedPair);
    EXPECT_TRUE(closeToReference(pairOut[0], batched[2], 1e-5));
    EXPECT_GT((pairOut[1] - pairOut[0]).abs().max().item<double>(), 0.1);
    // LatentBatch keeps each side's own indices: two single latents both get the seed's first noise.
    EXPECT_EQ(r.outputs.at(joined)[0].as<nodes::LatentValue>()->batchIndex, (std::vector<int64_t>{0, 0}));
    const at::Tensor joinedOut = outputTensor(r, joinedPair);
    EXPECT_TRUE(closeToReference(joinedOut[0], batched[0], 1e-5));
    EXPECT_TRUE(closeToReference(joinedOut[1], batched[0], 1e-5));
}

TEST_F(SamplingNodes, ProgressAndPreviewEveryStep) {
    addInputs();
    const NodeId s = addSampler("KSampler", {{"seed", 3}, {"steps", 7}, {"sampler_name", "heun"}, {"denoise", 0.8}}, latent);
    std::vector<std::pair<int, int>> steps;
    int previews = 0;
    const RunResult r = run({s}, [&](const ExecEvent& e) {
        if (e.node != s) return;
        if (e.kind == ExecEvent::Kind::Progress) steps.emplace_back(e.step, e.total);
        if (e.kind == ExecEvent::Kind::Preview) {
            ++previews;
            ASSERT_TRUE(e.preview);
            EXPECT_EQ(e.preview->width, 64);  // 8x8 latent shown at image size
            EXPECT_EQ(e.preview->height, 64);
        }
    });
    ASSERT_TRUE(r.succeeded()) << r.message;
    ASSERT_EQ(steps.size(), 7u);
    for (int i = 0; i < 7; ++i) EXPECT_EQ(steps[size_t(i)], std::make_pair(i + 1, 7));
    EXPECT_EQ(previews, 7);
}

TEST_F(SamplingNodes, CancellingDuringSamplingEndsTheRunWithinOneStep) {
    addInputs();
    const NodeId s = addSampler("KSampler", {{"seed", 3}, {"steps", 40}, {"sampler_name", "euler"}}, latent);
    std::atomic<bool> handleReady{false};
    RunHandle handle;
    int stepsAfterCancel = -1;
    handle = executor.start(b.graph, models.env(), [&](const ExecEvent& e) {
        if (e.kind != ExecEvent::Kind::Progress || e.node != s) return;
        while (!handleReady) std::this_thread::yield();
        if (stepsAfterCancel >= 0) {
            ++stepsAfterCancel;
        } else if (e.step == 3) {
            handle.cancel();
            stepsAfterCancel = 0;
        }
    }, {s});
    handleReady = true;
    const RunResult r = handle.wait();
    EXPECT_TRUE(r.cancelled()) << r.message;
    EXPECT_LE(stepsAfterCancel, 1);
    EXPECT_GE(stepsAfterCancel, 0);
}

TEST_F(SamplingNodes, NoiseMaskKeepsTheUnmaskedLatent) {
    addInputs();
    at::Tensor mask = at::zeros({1, 64, 64});
    mask.narrow(2, 0, 32).fill_(1.0);  // repaint the left half
    testTensors()["left"] = mask;
    const NodeId m = b.add("TestMask", {{"name", "left"}});
    const NodeId masked = b.add("SetLatentNoiseMask");
    b.link(latent, 0, masked, "samples");
    b.link(m, 0, masked, "mask");
    const NodeId s = addSampler("KSampler", {{"seed", 3}, {"steps", 6}, {"denoise", 0.9}}, masked);
    const RunResult r = run({s, latent});
    ASSERT_TRUE(r.succeeded()) << r.message;
    const at::Tensor out = outputTensor(r, s), source = outputTensor(r, latent);
    EXPECT_TRUE(closeToReference(out.narrow(3, 4, 4), source.narrow(3, 4, 4), 1e-5));
    EXPECT_GT((out.narrow(3, 0, 4) - source.narrow(3, 0, 4)).abs().max().item<double>(), 0.1);
}

}  // namespace

// The patched model's schedule is ComfyUI's (tests/fixtures/model_sampling: normal scheduler, 7 steps, over
// v_prediction 0.002..120), and KSampler samples it: the UNet gets timesteps 0.25*ln(sigma).
TEST_F(SamplingNodes, ModelSamplingContinuousEdmSchedulesAndSamples) {
    addInputs();
    const NodeId edm = b.add("ModelSamplingContinuousEDM", {{"sampling", "v_prediction"}, {"sigma_max", 120.0}, {"sigma_min", 0.002}});
    b.link(loader, 0, edm, "model");
    const NodeId schedule = b.add("BasicScheduler", {{"scheduler", "normal"}, {"steps", 7}, {"denoise", 1.0}});
    b.link(edm, 0, schedule, "model");
    const std::map<std::string, Value> widgets = {{"seed", 3},          {"steps", 2},           {"cfg", 4.0},
                                                  {"sampler_name", "euler"}, {"scheduler", "karras"}, {"denoise", 0.5}};
    const NodeId continuous = addSampler("KSampler", widgets, latent);
    b.link(edm, 0, continuous, "model");
    const NodeId discrete = addSampler("KSampler", widgets, latent);
    const RunResult r = run({schedule, continuous, discrete});
    ASSERT_TRUE(r.succeeded()) << r.message;

    QFile f(QString::fromStdString(sourceDir() + "/tests/fixtures/model_sampling/edm_sampling.json"));
    ASSERT_TRUE(f.open(QIODevice::ReadOnly));
    const QJsonObject vpred = QJsonDocument::fromJson(f.readAll()).object()["cases"].toArray().first().toObject();
    ASSERT_EQ(vpred["sampling"].toString(), "v_prediction");
    const QJsonArray want = vpred["schedules"].toObject()["normal.7"].toArray();
    const at::Tensor got = outputTensor(r, schedule);
    ASSERT_EQ(got.numel(), want.size());
    for (int i = 0; i < want.size(); ++i)
        EXPECT_NEAR(got[i].item<double>(), want[i].toDouble(), 1e-6 * std::max(1.0, want[i].toDouble())) << i;
    const at::Tensor sampled = outputTensor(r, continuous);
    EXPECT_TRUE(at::isfinite(sampled).all().item<bool>());
    EXPECT_FALSE(at::allclose(sampled, outputTensor(r, discrete), 1e-3, 1e-3));

    b.set(edm, "sampling", Value("edm_playground_v2.5"));
    const RunResult playground = run({schedule});
    ASSERT_TRUE(playground.failed());
    EXPECT_NE(playground.message.find("latent format"), std::string::npos) << playground.message;
    b.set(edm, "sampling", Value("eps"));
    b.set(edm, "sigma_min", Value(0.0));
    const RunResult empty = run({schedule});
    ASSERT_TRUE(empty.failed());
    EXPECT_NE(empty.message.find("sigma_min"), std::string::npos) << empty.message;
}

TEST_F(SamplingNodes, RescaleCfgChangesGuidedRunsAndMultiplierZeroIsPlainGuidance) {
    addInputs();
    const std::map<std::string, Value> widgets = {{"seed", 9},           {"steps", 3},           {"cfg", 8.0},
                                                  {"sampler_name", "euler"}, {"scheduler", "normal"}, {"denoise", 0.8}};
    const NodeId plain = addSampler("KSampler", widgets, latent);
    const NodeId rescaled[2] = {addPatchedSampler("RescaleCFG", {{"multiplier", 0.7}}, widgets),
                                addPatchedSampler("RescaleCFG", {{"multiplier", 0.0}}, widgets)};
    const RunResult r = run({plain, rescaled[0], rescaled[1]});
    ASSERT_TRUE(r.succeeded()) << r.message;
    const double changed = tessera::test::relativeError(outputTensor(r, rescaled[0]), outputTensor(r, plain));
    const double rounding = tessera::test::relativeError(outputTensor(r, rescaled[1]), outputTensor(r, plain));
    // multiplier 0: plain guidance through the v round trip (7.5e-7 seen). The tiny model's two sides differ little
    // in spread, so 0.7 moves the latent by little (1.4e-4 seen), yet far more than rounding does.
    EXPECT_LT(rounding, 1e-5);
    EXPECT_GT(changed, 2e-5);
    EXPECT_GT(changed, 20 * rounding);
}

TEST_F(SamplingNodes, FreeUNodesPatchTheSamplersModelWithComfyUIsDefaults) {
    const NodeDecl* v1 = engineNodeRegistry().find("FreeU");
    const NodeDecl* v2 = engineNodeRegistry().find("FreeU_V2");
    ASSERT_TRUE(v1 && v2);
    const auto defaultOf = [](const NodeDecl* d, const std::string& name) { return d->findInput(name)->defaultValue.toFloat(); };
    EXPECT_EQ(defaultOf(v1, "b1"), 1.1);
    EXPECT_EQ(defaultOf(v1, "b2"), 1.2);
    EXPECT_EQ(defaultOf(v2, "b1"), 1.3);
    EXPECT_EQ(defaultOf(v2, "b2"), 1.4);
    for (const NodeDecl* d : {v1, v2}) {
        EXPECT_EQ(defaultOf(d, "s1"), 0.9);
        EXPECT_EQ(defaultOf(d, "s2"), 0.2);
    }

    addInputs();
    const std::map<std::string, Value> widgets = {{"seed", 4},           {"steps", 3},           {"cfg", 7.0},
                                                  {"sampler_name", "euler"}, {"scheduler", "normal"}, {"denoise", 0.8}};
    const NodeId plain = addSampler("KSampler", widgets, latent);
    const std::map<std::string, Value> unitFactors = {{"b1", 1.0}, {"b2", 1.0}, {"s1", 1.0}, {"s2", 1.0}};
    const std::pair<std::string, std::map<std::string, Value>> patches[] = {
        {"FreeU", {}}, {"FreeU_V2", {}}, {"FreeU", unitFactors}};
    NodeId patched[3] = {0, 0, 0};
    for (int i = 0; i < 3; ++i) patched[i] = addPatchedSampler(patches[i].first, patches[i].second, widgets);
    const RunResult r = run({plain, patched[0], patched[1], patched[2]});
    ASSERT_TRUE(r.succeeded()) << r.message;
    const at::Tensor reference = outputTensor(r, plain);
    const double v1Change = relativeError(outputTensor(r, patched[0]), reference);
    const double v2Change = relativeError(outputTensor(r, patched[1]), reference);
    const double unitChange = relativeError(outputTensor(r, patched[2]), reference);
    EXPECT_GT(v1Change, 1e-3);
    EXPECT_GT(v2Change, 1e-3);
    EXPECT_GT(relativeError(outputTensor(r, patched[1]), outputTensor(r, patched[0])), 1e-4);
    EXPECT_LT(unitChange, 1e-5);  // the FFT round trip's rounding only
}

TEST_F(SamplingNodes, PerturbedAttentionGuidanceMovesTheRunAndScaleZeroLeavesIt) {
    const NodeDecl* decl = engineNodeRegistry().find("PerturbedAttentionGuidance");
    ASSERT_TRUE(decl);
    EXPECT_EQ(decl->findInput("scale")->defaultValue.toFloat(), 3.0);

    addInputs();
    const std::map<std::string, Value> widgets = {{"seed", 6},           {"steps", 3},           {"cfg", 7.0},
                                                  {"sampler_name", "euler"}, {"scheduler", "normal"}, {"denoise", 0.8}};
    const NodeId plain = addSampler("KSampler", widgets, latent);
    const NodeId guided[2] = {addPatchedSampler("PerturbedAttentionGuidance", {{"scale", 3.0}}, widgets),
                              addPatchedSampler("PerturbedAttentionGuidance", {{"scale", 0.0}}, widgets)};
    const RunResult r = run({plain, guided[0], guided[1]});
    ASSERT_TRUE(r.succeeded()) << r.message;
    EXPECT_GT(relativeError(outputTensor(r, guided[0]), outputTensor(r, plain)), 1e-3);
    EXPECT_TRUE(at::equal(outputTensor(r, guided[1]), outputTensor(r, plain)));
}

TEST_F(SamplingNodes, SelfAttentionGuidanceMovesKSamplerRunsAndRefusesBasicGuider) {
    const NodeDecl* decl = engineNodeRegistry().find("SelfAttentionGuidance");
    ASSERT_TRUE(decl);
    EXPECT_EQ(decl->findInput("scale")->defaultValue.toFloat(), 0.5);
    EXPECT_EQ(decl->findInput("blur_sigma")->defaultValue.toFloat(), 2.0);

    addInputs();
    const std::map<std::string, Value> widgets = {{"seed", 6},           {"steps", 3},           {"cfg", 7.0},
                                                  {"sampler_name", "euler"}, {"scheduler", "normal"}, {"denoise", 0.8}};
    const NodeId plain = addSampler("KSampler", widgets, latent);
    const NodeId patch = b.add("SelfAttentionGuidance", {{"scale", 0.8}});
    b.link(loader, 0, patch, "model");
    const NodeId guided = addSampler("KSampler", widgets, latent);
    b.link(patch, 0, guided, "model");
    const NodeId guider = b.add("BasicGuider");
    b.link(patch, 0, guider, "model");
    b.link(positive, 0, guider, "conditioning");
    const NodeId noise = b.add("RandomNoise", {{"noise_seed", 1}});
    const NodeId sampler = b.add("KSamplerSelect", {{"sampler_name", "euler"}});
    const NodeId sigmas = b.add("BasicScheduler", {{"scheduler", "normal"}, {"steps", 2}, {"denoise", 1.0}});
    b.link(loader, 0, sigmas, "model");
    const NodeId custom = b.add("SamplerCustomAdvanced");
    b.link(noise, 0, custom, "noise");
    b.link(guider, 0, custom, "guider");
    b.link(sampler, 0, custom, "sampler");
    b.link(sigmas, 0, custom, "sigmas");
    b.link(latent, 0, custom, "latent_image");

    const RunResult r = run({plain, guided});
    ASSERT_TRUE(r.succeeded()) << r.message;
    EXPECT_GT(relativeError(outputTensor(r, guided), outputTensor(r, plain)), 1e-3);
    const RunResult basic = run({custom});
    ASSERT_TRUE(basic.failed());
    EXPECT_NE(basic.message.find("BasicGuider"), std::string::npos) << basic.message;
}

TEST_F(SamplingNodes, GuidancePatchNodesPatchTheGuidance) {
    const NodeDecl* norm = engineNodeRegistry().find("CFGNorm");
    ASSERT_TRUE(norm && engineNodeRegistry().find("CFGZeroStar"));
    EXPECT_EQ(norm->findInput("strength")->defaultValue.toFloat(), 1.0);

    addInputs();
    const std::map<std::string, Value> widgets = {{"seed", 8},           {"steps", 3},           {"cfg", 7.0},
                                                  {"sampler_name", "euler"}, {"scheduler", "normal"}, {"denoise", 0.8}};
    const NodeId plain = addSampler("KSampler", widgets, latent);
    const std::pair<std::string, std::map<std::string, Value>> patches[] = {
        {"CFGZeroStar", {}}, {"CFGNorm", {{"strength", 0.9}}}, {"Mahiro", {}}, {"TCFG", {}},
        {"APG", {{"eta", 0.5}, {"norm_threshold", 5.0}, {"momentum", 0.3}}}};
    std::vector<NodeId> patched;
    for (const auto& [type, patchWidgets] : patches) patched.push_back(addPatchedSampler(type, patchWidgets, widgets));
    // APG with eta 1, no cap and no momentum is ComfyUI's plain guidance one cfg higher.
    const NodeId unitApg = addPatchedSampler("APG", {{"eta", 1.0}, {"norm_threshold", 0.0}, {"momentum", 0.0}}, widgets);
    std::map<std::string, Value> oneHigher = widgets;
    oneHigher["cfg"] = 8.0;
    const NodeId plainOneHigher = addSampler("KSampler", oneHigher, latent);
    std::vector<NodeId> targets = patched;
    targets.insert(targets.end(), {plain, unitApg, plainOneHigher});
    const RunResult r = run(targets);
    ASSERT_TRUE(r.succeeded()) << r.message;
    // Mahiro leaves the guided estimate nearly alone where positive and negative agree, as the tiny model's do.
    for (size_t i = 0; i < patched.size(); ++i)
        EXPECT_GT(relativeError(outputTensor(r, patched[i]), outputTensor(r, plain)), patches[i].first == "Mahiro" ? 1e-6 : 1e-3)
            << patches[i].first;
    EXPECT_TRUE(closeToReference(outputTensor(r, unitApg), outputTensor(r, plainOneHigher), 1e-4));
}
