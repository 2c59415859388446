// ComfyUI's custom-sampling nodes as graphs: SamplerCustomAdvanced (RandomNoise + CFGGuider +
// KSamplerSelect + BasicScheduler) gives the refdata KSampler goldens and KSampler's own result bit
// for bit; SamplerCustom split by SplitSigmasDenoise, DisableNoise, BasicGuider and DualCFGGuider
// agree with the runs they stand for; bad sigmas are named.
#include "core/engine/sampling/samplers.h"
#include "core/engine/sampling/schedulers.h"
#include "core/exec/executor.h"
#include "nodes/custom_sampling_values.h"
#include "nodes/values.h"
#include "tests/nodes/node_test_support.h"
#include "tests/support/pipeline_cases.h"
#include "tests/support/tensor_compare.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>

using namespace tessera;
using namespace tessera::test;

namespace {

const PipelineCase& pipelineCase(const std::string& name) {
    static const std::vector<PipelineCase> cases = loadPipelineCases();
    for (const auto& c : cases)
        if (c.name == name) return c;
    throw std::runtime_error("no pipeline case " + name);
}

class CustomSamplingNodes : public ::testing::Test {
protected:
    // Loader, the refdata prompts and the source latent (with the refdata mask when asked).
    void addInputs(bool masked = false) {
        const auto& golden = pipelineGolden();
        testTensors()["source"] = golden.at("source_image");
        testTensors()["mask"] = golden.at("mask");
        loader = b.add("CheckpointLoaderSimple", {{"ckpt_name", "tiny-sd15.safetensors"}});
        positive = b.add("CLIPTextEncode", {{"text", pipelinePrompt()}});
        negative = b.add("CLIPTextEncode", {{"text", pipelineNegative()}});
        b.link(loader, 1, positive, "clip");
        b.link(loader, 1, negative, "clip");
        const NodeId image = b.add("TestImage", {{"name", "source"}});
        latent = b.add("VAEEncode");
        b.link(image, 0, latent, "pixels");
        b.link(loader, 2, latent, "vae");
        if (masked) {
            const NodeId mask = b.add("TestMask", {{"name", "mask"}});
            const NodeId setMask = b.add("SetLatentNoiseMask");
            b.link(latent, 0, setMask, "samples");
            b.link(mask, 0, setMask, "mask");
            latent = setMask;
        }
    }

    NodeId addKSampler(const PipelineCase& c) {
        const NodeId k = b.add("KSampler", {{"seed", c.seed},
                                            {"steps", c.steps},
                                            {"cfg", c.cfg},
                                            {"sampler_name", c.sampler},
                                            {"scheduler", c.scheduler},
                                            {"denoise", c.denoise}});
        b.link(loader, 0, k, "model");
        b.link(positive, 0, k, "positive");
        b.link(negative, 0, k, "negative");
        b.link(latent, 0, k, "latent_image");
        return k;
    }

    NodeId addScheduler(const std::string& scheduler, int steps, double denoise) {
        const NodeId s = b.add("BasicScheduler", {{"scheduler", scheduler}, {"steps", steps}, {"denoise", denoise}});
        b.link(loader, 0, s, "model");
        return s;
    }

    NodeId addCfgGuider(double cfg) {
        const NodeId g = b.add("CFGGuider", {{"cfg", cfg}});
        b.link(loader, 0, g, "model");
        b.link(positive, 0, g, "positive");
        b.link(negative, 0, g, "negative");
        return g;
    }

    NodeId addAdvanced(NodeId noise, NodeId guider, const std::string& sampler, NodeId sigmas, int sigmasSlot,
                       NodeId from) {
        const NodeId select = b.add("KSamplerSelect", {{"sampler_name", sampler}});
        const NodeId s = b.add("SamplerCustomAdvanced");
        b.link(noise, 0, s, "noise");
        b.link(guider, 0, s, "guider");
        b.link(select, 0, s, "sampler");
        b.link(sigmas, sigmasSlot, s, "sigmas");
        b.link(from, 0, s, "latent_image");
        return s;
    }

    NodeId addCustom(bool addNoise, int64_t seed, double cfg, const std::string& sampler, NodeId sigmas, int sigmasSlot,
                     NodeId from) {
        const NodeId select = b.add("KSamplerSelect", {{"sampler_name", sampler}});
        const NodeId s = b.add("SamplerCustom", {{"add_noise", addNoise}, {"noise_seed", seed}, {"cfg", cfg}});
        b.link(loader, 0, s, "model");
        b.link(positive, 0, s, "positive");
        b.link(negative, 0, s, "negative");
        b.link(select, 0, s, "sampler");
        b.link(sigmas, sigmasSlot, s, "sigmas");
        b.link(from, 0, s, "latent_image");
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

TEST_F(CustomSamplingNodes, SamplerCustomAdvancedIsKSampler) {
    // Plain, ancestral (its noise seeded from the RandomNoise seed) and noise-mask inpainting.
    for (const std::string name : {"img2img-euler-normal", "img2img-euler_ancestral-karras", "inpaint-noisemask-euler-normal"}) {
        b = GraphBuilder();
        const PipelineCase& c = pipelineCase(name);
        addInputs(c.mask);
        const NodeId ksampler = addKSampler(c);
        const NodeId noise = b.add("RandomNoise", {{"noise_seed", c.seed}});
        const NodeId custom =
            addAdvanced(noise, addCfgGuider(c.cfg), c.sampler, addScheduler(c.scheduler, c.steps, c.denoise), 0, latent);
        std::map<NodeId, int> progress;
        const RunResult r = run({ksampler, custom}, [&](const ExecEvent& e) {
            if (e.kind == ExecEvent::Kind::Progress) ++progress[e.node];
        });
        ASSERT_TRUE(r.succeeded()) << name << ": " << r.message;
        EXPECT_MATCHES_REFERENCE(outputTensor(r, custom), pipelineGolden().at(name + ".latent")) << name;
        EXPECT_TRUE(outputTensor(r, custom).equal(outputTensor(r, ksampler))) << name;
        EXPECT_EQ(progress[custom], c.steps) << name;
        // The last x0 estimate: where the final euler step to sigma 0 lands.
        EXPECT_TRUE(closeToReference(outputTensor(r, custom, 1), outputTensor(r, custom), 1e-4)) << name;
    }
}

TEST_F(CustomSamplingNodes, SplitEulerHalvesEqualOneKSamplerRun) {
    addInputs();
    const PipelineCase whole{"whole", "sd15", "euler", "karras", 10, 1.0, 7.0, 5};
    const NodeId ksampler = addKSampler(whole);
    const NodeId split = b.add("SplitSigmasDenoise", {{"denoise", 0.6}});
    b.link(addScheduler("karras", 10, 1.0), 0, split, "sigmas");
    // The high part with noise, then the low part without (SamplerCustom's add_noise off, or DisableNoise).
    const NodeId first = addCustom(true, 5, 7.0, "euler", split, 0, latent);
    const NodeId second = addCustom(false, 5, 7.0, "euler", split, 1, first);
    const NodeId none = b.add("DisableNoise");
    const NodeId secondAdvanced = addAdvanced(none, addCfgGuider(7.0), "euler", split, 1, first);
    std::map<NodeId, int> progress;
    const RunResult r = run({ksampler, second, secondAdvanced, split}, [&](const ExecEvent& e) {
        if (e.kind == ExecEvent::Kind::Progress) ++progress[e.node];
    });
    ASSERT_TRUE(r.succeeded()) << r.message;
    EXPECT_EQ(outputTensor(r, split, 0).size(0), 5);  // 4 steps with noise, then round(10 * 0.6) = 6 without
    EXPECT_EQ(outputTensor(r, split, 1).size(0), 7);
    EXPECT_EQ(progress[first], 4);
    EXPECT_EQ(progress[second], 6);
    EXPECT_TRUE(closeToReference(outputTensor(r, second), outputTensor(r, ksampler), 1e-5));
    EXPECT_TRUE(outputTensor(r, secondAdvanced).equal(outputTensor(r, second)));
    EXPECT_GT((outputTensor(r, first) - outputTensor(r, second)).abs().max().item<double>(), 0.1);
}

TEST_F(CustomSamplingNodes, DisableNoiseIsAddNoiseOffWithSeedZero) {
    addInputs();
    const NodeId sigmas = addScheduler("karras", 6, 0.5);
    // ComfyUI's empty noise has seed 0, which also seeds the ancestral sampler's noise.
    const NodeId none = b.add("DisableNoise");
    const NodeId disabled = addAdvanced(none, addCfgGuider(6.0), "euler_ancestral", sigmas, 0, latent);
    const NodeId off = addCustom(false, 0, 6.0, "euler_ancestral", sigmas, 0, latent);
    const NodeId offOtherSeed = addCustom(false, 4, 6.0, "euler_ancestral", sigmas, 0, latent);
    const NodeId on = addCustom(true, 0, 6.0, "euler_ancestral", sigmas, 0, latent);
    const RunResult r = run({disabled, off, offOtherSeed, on});
    ASSERT_TRUE(r.succeeded()) << r.message;
    EXPECT_TRUE(outputTensor(r, disabled).equal(outputTensor(r, off)));
    EXPECT_FALSE(outputTensor(r, off).equal(outputTensor(r, offOtherSeed)));
    EXPECT_GT((outputTensor(r, on) - outputTensor(r, off)).abs().max().item<double>(), 0.05);
}

TEST_F(CustomSamplingNodes, BasicGuiderIsGuidanceScaleOne) {
    addInputs();
    const PipelineCase& c = pipelineCase("img2img-euler-normal-cfg1");
    const NodeId sigmas = addScheduler(c.scheduler, c.steps, c.denoise);
    const NodeId basic = b.add("BasicGuider");
    b.link(loader, 0, basic, "model");
    b.link(positive, 0, basic, "conditioning");
    const NodeId noise = b.add("RandomNoise", {{"noise_seed", c.seed}});
    const NodeId withBasic = addAdvanced(noise, basic, c.sampler, sigmas, 0, latent);
    const NodeId withCfg7 = addAdvanced(noise, addCfgGuider(7.0), c.sampler, sigmas, 0, latent);
    const RunResult r = run({withBasic, withCfg7});
    ASSERT_TRUE(r.succeeded()) << r.message;
    EXPECT_MATCHES_REFERENCE(outputTensor(r, withBasic), pipelineGolden().at(c.name + ".latent"));
    EXPECT_GT((outputTensor(r, withBasic) - outputTensor(r, withCfg7)).abs().max().item<double>(), 1e-3);
}

TEST_F(CustomSamplingNodes, DualCfgGuiderWithAPlainSecondScaleIsCfg) {
    addInputs();
    const NodeId sigmas = addScheduler("normal", 6, 0.7);
    const NodeId noise = b.add("RandomNoise", {{"noise_seed", 8}});
    std::vector<NodeId> duals;
    for (const std::string style : {"regular", "nested"}) {
        // cond2 = negative with cfg_cond2_negative 1: both styles reduce to negative + (positive - negative) * cfg_conds.
        const NodeId dual = b.add("DualCFGGuider", {{"cfg_conds", 5.0}, {"cfg_cond2_negative", 1.0}, {"style", style}});
        b.link(loader, 0, dual, "model");
        b.link(positive, 0, dual, "cond1");
        b.link(negative, 0, dual, "cond2");
        b.link(negative, 0, dual, "negative");
        duals.push_back(addAdvanced(noise, dual, "euler", sigmas, 0, latent));
    }
    const NodeId cfg = addAdvanced(noise, addCfgGuider(5.0), "euler", sigmas, 0, latent);
    const RunResult r = run({duals[0], duals[1], cfg});
    ASSERT_TRUE(r.succeeded()) << r.message;
    for (NodeId d : duals) EXPECT_TRUE(closeToReference(outputTensor(r, d), outputTensor(r, cfg), 1e-4));
}

TEST_F(CustomSamplingNodes, PerpNegGuiderWithTheNegativeAsEmptyPromptIsCfgAndWithoutNegScaleAtCfgOneIsBasic) {
    addInputs();
    const NodeId sigmas = addScheduler("normal", 6, 0.7);
    const NodeId noise = b.add("RandomNoise", {{"noise_seed", 8}});
    auto perpNeg = [&](double cfg, double negScale) {
        // The empty prompt is the negative: the negative then has no part away from it, and Perp-Neg is cfg.
        const NodeId g = b.add("PerpNegGuider", {{"cfg", cfg}, {"neg_scale", negScale}});
        b.link(loader, 0, g, "model");
        b.link(positive, 0, g, "positive");
        b.link(negative, 0, g, "negative");
        b.link(negative, 0, g, "empty_conditioning");
        return addAdvanced(noise, g, "euler", sigmas, 0, latent);
    };
    const NodeId asCfg = perpNeg(5.0, 1.7), asBasic = perpNeg(1.0, 0.0);
    const NodeId cfg = addAdvanced(noise, addCfgGuider(5.0), "euler", sigmas, 0, latent);
    const NodeId basic = b.add("BasicGuider");
    b.link(loader, 0, basic, "model");
    b.link(positive, 0, basic, "conditioning");
    const NodeId positiveOnly = addAdvanced(noise, basic, "euler", sigmas, 0, latent);
    const RunResult r = run({asCfg, asBasic, cfg, positiveOnly});
    ASSERT_TRUE(r.succeeded()) << r.message;
    EXPECT_TRUE(closeToReference(outputTensor(r, asCfg), outputTensor(r, cfg), 1e-4));
    EXPECT_TRUE(closeToReference(outputTensor(r, asBasic), outputTensor(r, positiveOnly), 1e-5));
}

TEST_F(CustomSamplingNodes, EmptySigmasAndStepsBeyondTheScheduleAreNamed) {
    addInputs();
    const NodeId noise = b.add("RandomNoise", {{"noise_seed", 1}});
    const NodeId empty = addAdvanced(noise, addCfgGuider(7.0), "euler", addScheduler("normal", 10, 0.0), 0, latent);
    const RunResult r = run({empty});
    ASSERT_TRUE(r.failed());
    EXPECT_NE(r.message.find("SamplerCustomAdvanced"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("input 'sigmas' is empty"), std::string::npos) << r.message;

    const NodeId split = b.add("SplitSigmas", {{"step", 12}});
    b.link(addScheduler("normal", 10, 1.0), 0, split, "sigmas");
    const RunResult beyond = run({split});
    ASSERT_TRUE(beyond.failed());
    EXPECT_NE(beyond.message.find("SplitSigmas"), std::string::npos) << beyond.message;
    EXPECT_NE(beyond.message.find("step 12 is beyond the schedule's last step (11 sigmas"), std::string::npos)
        << beyond.message;
}

TEST_F(CustomSamplingNodes, SamplerSASolverWithItsDefaultsIsKSamplersSaSolver) {
    addInputs();
    PipelineCase c = pipelineCase("img2img-euler-normal");
    c.sampler = "sa_solver";
    c.steps = 6;
    const NodeId ksampler = addKSampler(c);
    const NodeId sigmas = addScheduler(c.scheduler, c.steps, c.denoise);
    const NodeId noise = b.add("RandomNoise", {{"noise_seed", c.seed}});
    const NodeId guider = addCfgGuider(c.cfg);
    const auto withSaSolver = [&](std::map<std::string, Value> settings) {
        const NodeId sampler = b.add("SamplerSASolver", std::move(settings));
        b.link(loader, 0, sampler, "model");
        const NodeId s = b.add("SamplerCustomAdvanced");
        b.link(noise, 0, s, "noise");
        b.link(guider, 0, s, "guider");
        b.link(sampler, 0, s, "sampler");
        b.link(sigmas, 0, s, "sigmas");
        b.link(latent, 0, s, "latent_image");
        return s;
    };
    const NodeId defaults = withSaSolver({});
    const NodeId pece = withSaSolver({{"use_pece", true}});
    const NodeId ode = withSaSolver({{"eta", 0.0}});
    const NodeId peceByName = addAdvanced(noise, guider, "sa_solver_pece", sigmas, 0, latent);
    std::map<NodeId, int> progress;
    const RunResult r = run({ksampler, defaults, pece, ode, peceByName}, [&](const ExecEvent& e) {
        if (e.kind == ExecEvent::Kind::Progress) ++progress[e.node];
    });
    ASSERT_TRUE(r.succeeded()) << r.message;
    EXPECT_TRUE(outputTensor(r, defaults).equal(outputTensor(r, ksampler)));
    EXPECT_TRUE(outputTensor(r, pece).equal(outputTensor(r, peceByName)));
    EXPECT_GT((outputTensor(r, ode) - outputTensor(r, defaults)).abs().max().item<double>(), 1e-3);
    EXPECT_GT((outputTensor(r, pece) - outputTensor(r, defaults)).abs().max().item<double>(), 1e-4);
    EXPECT_EQ(progress[ksampler], c.steps);
    EXPECT_EQ(progress[pece], c.steps);
}

TEST(CustomSamplingDecls, ChoicesFollowTheEngineTables) {
    const Registry& registry = engineNodeRegistry();
    const auto choices = [&](const std::string& type, const std::string& input) {
        for (const auto& in : registry.find(type)->inputs)
            if (in.name == input) return in.choices;
        return std::vector<std::string>{};
    };
    EXPECT_EQ(choices("KSamplerSelect", "sampler_name"), engine::samplerNames());
    EXPECT_EQ(choices("BasicScheduler", "scheduler"), engine::schedulerNames());
    const auto ksamplerSchedulers = choices("KSampler", "scheduler");
    for (const char* added : {"linear_quadratic", "kl_optimal"})
        EXPECT_NE(std::find(ksamplerSchedulers.begin(), ksamplerSchedulers.end(), added), ksamplerSchedulers.end());
    // ComfyUI's widget order and outputs.
    std::vector<std::string> names;
    for (const auto& in : registry.find("SamplerCustom")->inputs) names.push_back(in.name);
    EXPECT_EQ(names, (std::vector<std::string>{"model", "add_noise", "noise_seed", "cfg", "positive", "negative", "sampler",
                                               "sigmas", "latent_image"}));
    const auto& outputs = registry.find("SamplerCustomAdvanced")->outputs;
    ASSERT_EQ(outputs.size(), 2u);
    EXPECT_EQ(outputs[0].name, "output");
    EXPECT_EQ(outputs[1].name, "denoised_output");
    EXPECT_EQ(registry.find("SplitSigmas")->outputs[1].name, "low_sigmas");
    names.clear();
    for (const auto& in : registry.find("SamplerSASolver")->inputs) names.push_back(in.name);
    EXPECT_EQ(names, (std::vector<std::string>{"model", "eta", "sde_start_percent", "sde_end_percent", "s_noise",
                                               "predictor_order", "corrector_order", "use_pece", "simple_order_2"}));
}

}  // namespace
