// unCLIPCheckpointLoader and unCLIPConditioning on a tiny SD2 unCLIP checkpoint (tests/support/tiny_unclip.h):
// the loader finds the UNet's ADM width, v-prediction and the vision tower in the one file; the conditioning
// carries each image with its strength and noise; sampling feeds the image to the UNet (a different picture
// than without, the same one with strength 0, which ComfyUI skips).
#include "core/engine/files/checkpoint.h"
#include "core/engine/networks/clip_vision.h"
#include "core/engine/networks/unet.h"
#include "core/exec/executor.h"
#include "nodes/clip_vision_values.h"
#include "nodes/values.h"
#include "tests/nodes/node_test_support.h"
#include "tests/support/tensor_compare.h"
#include "tests/support/tiny_unclip.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

using namespace tessera;
using namespace tessera::test;

namespace {

class UnclipNodes : public ::testing::Test {
protected:
    UnclipNodes() {
        writeTinyUnclipCheckpoint(models.root() + "/checkpoints", "unclip.safetensors");
        at::manual_seed(9);
        testTensors()["unclip-picture"] = at::rand({1, 24, 20, 3});
        loader = b.add("unCLIPCheckpointLoader", {{"ckpt_name", "unclip.safetensors"}});
        const NodeId picture = b.add("TestImage", {{"name", "unclip-picture"}});
        encode = b.add("CLIPVisionEncode", {{"crop", "center"}});
        b.link(loader, 3, encode, "clip_vision");
        b.link(picture, 0, encode, "image");
        positive = b.add("CLIPTextEncode", {{"text", "a lighthouse"}});
        negative = b.add("CLIPTextEncode", {{"text", "blurry"}});
        b.link(loader, 1, positive, "clip");
        b.link(loader, 1, negative, "clip");
        latent = b.add("EmptyLatentImage", {{"width", 64}, {"height", 64}, {"batch_size", 1}});
    }
    NodeId addUnclip(NodeId conditioning, double strength, double noise) {
        const NodeId u = b.add("unCLIPConditioning", {{"strength", strength}, {"noise_augmentation", noise}});
        b.link(conditioning, 0, u, "conditioning");
        b.link(encode, 0, u, "clip_vision_output");
        return u;
    }
    NodeId addSampler(NodeId pos) {
        const NodeId k = b.add("KSampler", {{"seed", 7}, {"steps", 2}, {"cfg", 4.0}, {"sampler_name", "euler"},
                                            {"scheduler", "normal"}, {"denoise", 1.0}});
        b.link(loader, 0, k, "model");
        b.link(pos, 0, k, "positive");
        b.link(negative, 0, k, "negative");
        b.link(latent, 0, k, "latent_image");
        return k;
    }
    RunResult run(std::vector<NodeId> targets) { return executor.run(b.graph, models.env(), {}, std::move(targets)); }

    ModelsFolder models;
    Executor executor{engineNodeRegistry()};
    GraphBuilder b;
    NodeId loader = 0, encode = 0, positive = 0, negative = 0, latent = 0;
};

TEST_F(UnclipNodes, LoaderFindsTheImageInputAndTheVisionTowerInTheCheckpoint) {
    const RunResult r = run({loader});
    ASSERT_TRUE(r.succeeded()) << r.message;
    const auto& out = r.outputs.at(loader);
    ASSERT_EQ(out.size(), 4u);
    const auto model = out[0].as<nodes::ModelValue>()->model;
    EXPECT_EQ(model->unet->config().admInChannels, 48);
    EXPECT_EQ(model->sampling.prediction(), engine::Prediction::V);  // ComfyUI's SD21UNCLIP is v-prediction
    const auto vision = out[3].as<nodes::ClipVisionValue>()->model;
    ASSERT_NE(vision, nullptr);
    EXPECT_EQ(vision->config().projection, 24);
}

TEST_F(UnclipNodes, ConditioningCarriesEveryImageWithItsStrengthAndNoise) {
    const NodeId twice = addUnclip(addUnclip(positive, 0.75, 0.25), -2.0, 1.0);
    const RunResult r = run({twice});
    ASSERT_TRUE(r.succeeded()) << r.message;
    const auto& entries = r.outputs.at(twice)[0].as<nodes::ConditioningValue>()->entries;
    ASSERT_EQ(entries.size(), 1u);
    ASSERT_EQ(entries[0].unclip.size(), 2u);
    EXPECT_EQ(entries[0].unclip[0].strength, 0.75);
    EXPECT_EQ(entries[0].unclip[0].noiseAugmentation, 0.25);
    EXPECT_EQ(entries[0].unclip[1].strength, -2.0);
    EXPECT_EQ(entries[0].unclip[1].noiseAugmentation, 1.0);
    EXPECT_EQ(entries[0].unclip[0].imageEmbeds.sizes(), (std::vector<int64_t>{1, 24}));
}

TEST_F(UnclipNodes, SamplingFeedsTheImageToTheModel) {
    const NodeId plain = addSampler(positive);
    const NodeId withImage = addSampler(addUnclip(positive, 1.0, 0.3));
    const NodeId strengthZero = addSampler(addUnclip(positive, 0.0, 0.3));
    const RunResult r = run({plain, withImage, strengthZero});
    ASSERT_TRUE(r.succeeded()) << r.message;
    const at::Tensor p = outputTensor(r, plain), w = outputTensor(r, withImage), z = outputTensor(r, strengthZero);
    EXPECT_TRUE(at::isfinite(w).all().item<bool>());
    EXPECT_GT(maxAbsDiff(p, w), 1e-3);
    EXPECT_TRUE(at::equal(p, z));
}

}  // namespace
