// DifferentialDiffusion in a real KSampler run on the tiny model: a mask of only 0 and 1 samples exactly
// as without it, a grey area samples differently, and what the mask keeps stays the source latent until
// a step at sigma_min, whose threshold is 0 (ComfyUI's too: the "normal" schedule ends there).
#include "core/exec/executor.h"
#include "tests/nodes/node_test_support.h"
#include "tests/support/pipeline_cases.h"
#include "tests/support/tensor_compare.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <optional>

using namespace tessera;
using namespace tessera::test;

namespace {

class DifferentialDiffusionRun : public ::testing::Test {
protected:
    // The refdata source image encoded, masked with `mask` ([1, 64, 64]), sampled by KSampler (euler, 4 steps;
    // "simple" ends at timestep 249, "normal" at sigma_min) on the plain model or through DifferentialDiffusion
    // at `strength`; returns the latent.
    at::Tensor sample(const at::Tensor& mask, std::optional<double> strength, const std::string& scheduler = "simple") {
        GraphBuilder b;
        testTensors()["dd source"] = pipelineGolden().at("source_image");
        testTensors()["dd mask"] = mask;
        const NodeId loader = b.add("CheckpointLoaderSimple", {{"ckpt_name", "tiny-sd15.safetensors"}});
        const NodeId positive = b.add("CLIPTextEncode", {{"text", pipelinePrompt()}});
        const NodeId negative = b.add("CLIPTextEncode", {{"text", pipelineNegative()}});
        b.link(loader, 1, positive, "clip");
        b.link(loader, 1, negative, "clip");
        const NodeId image = b.add("TestImage", {{"name", "dd source"}});
        encoded = b.add("VAEEncode");
        b.link(image, 0, encoded, "pixels");
        b.link(loader, 2, encoded, "vae");
        const NodeId maskNode = b.add("TestMask", {{"name", "dd mask"}});
        const NodeId setMask = b.add("SetLatentNoiseMask");
        b.link(encoded, 0, setMask, "samples");
        b.link(maskNode, 0, setMask, "mask");
        NodeId model = loader;
        if (strength) {
            model = b.add("DifferentialDiffusion", {{"strength", *strength}});
            b.link(loader, 0, model, "model");
        }
        const NodeId k = b.add("KSampler", {{"seed", 5}, {"steps", 4}, {"cfg", 7.0}, {"sampler_name", "euler"},
                                            {"scheduler", scheduler}, {"denoise", 1.0}});
        b.link(model, 0, k, "model");
        b.link(positive, 0, k, "positive");
        b.link(negative, 0, k, "negative");
        b.link(setMask, 0, k, "latent_image");
        const RunResult r = executor.run(b.graph, models.env(), {}, {k, encoded});
        EXPECT_TRUE(r.succeeded()) << r.message;
        if (!r.succeeded()) return {};
        source = outputTensor(r, encoded);
        return outputTensor(r, k);
    }

    // 0 on the left half (latent columns 0..3 exactly), `right` on the right half.
    static at::Tensor halves(float right) {
        at::Tensor m = at::zeros({1, 64, 64});
        m.narrow(2, 32, 32).fill_(right);
        return m;
    }

    NodeId encoded = 0;
    at::Tensor source;
    ModelsFolder models;
    Executor executor{engineNodeRegistry()};
};

}  // namespace

TEST_F(DifferentialDiffusionRun, ABinaryMaskSamplesExactlyAsWithoutIt) {
    const at::Tensor plain = sample(halves(1.0f), std::nullopt);
    const at::Tensor differential = sample(halves(1.0f), 1.0);
    ASSERT_TRUE(plain.defined() && differential.defined());
    EXPECT_TRUE(plain.equal(differential));
    EXPECT_TRUE(closeToReference(plain.narrow(3, 0, 4), source.narrow(3, 0, 4), 1e-6));
    EXPECT_FALSE(closeToReference(plain.narrow(3, 4, 4), source.narrow(3, 4, 4), 1e-2));
}

TEST_F(DifferentialDiffusionRun, AGreyAreaIsRepaintedFromItsStepOnAndStrengthBlends) {
    const at::Tensor plain = sample(halves(0.5f), std::nullopt);
    const at::Tensor full = sample(halves(0.5f), 1.0);
    const at::Tensor half = sample(halves(0.5f), 0.5);
    const at::Tensor zero = sample(halves(0.5f), 0.0);
    ASSERT_TRUE(plain.defined() && full.defined() && half.defined() && zero.defined());
    for (const at::Tensor* t : {&plain, &full, &half})  // the kept half is the source in every run
        EXPECT_TRUE(closeToReference(t->narrow(3, 0, 4), source.narrow(3, 0, 4), 1e-6));
    EXPECT_FALSE(closeToReference(full.narrow(3, 4, 4), plain.narrow(3, 4, 4), 1e-3));
    EXPECT_FALSE(closeToReference(half.narrow(3, 4, 4), full.narrow(3, 4, 4), 1e-3));
    EXPECT_FALSE(closeToReference(half.narrow(3, 4, 4), plain.narrow(3, 4, 4), 1e-3));
    EXPECT_TRUE(zero.equal(full)) << "strength 0 is the full effect, as ComfyUI's `if strength and strength < 1`";
}

TEST_F(DifferentialDiffusionRun, AStepAtSigmaMinRepaintsEverythingAsComfyUIs) {
    // Its threshold is (t(sigma_min) - t(sigma_min)) / ... = 0, so even mask 0 is repainted there, from the
    // source plus noise * sigma_min: the model's last estimate replaces the source.
    const at::Tensor plain = sample(halves(1.0f), std::nullopt, "normal");
    const at::Tensor differential = sample(halves(1.0f), 1.0, "normal");
    ASSERT_TRUE(plain.defined() && differential.defined());
    EXPECT_TRUE(closeToReference(plain.narrow(3, 0, 4), source.narrow(3, 0, 4), 1e-6));
    EXPECT_FALSE(closeToReference(differential.narrow(3, 0, 4), source.narrow(3, 0, 4), 1e-3));
}
