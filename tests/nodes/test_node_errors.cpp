// Every engine node's failures name the node and say how to fix them.
#include "core/engine/files/safetensors.h"
#include "core/exec/executor.h"
#include "nodes/values.h"
#include "tests/nodes/node_test_support.h"
#include "tests/support/refdata.h"
#include "tests/support/tensor_compare.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

using namespace tessera;
using namespace tessera::test;

namespace {

class NodeErrors : public ::testing::Test {
protected:
    RunResult run(std::vector<NodeId> targets) { return executor.run(b.graph, models.env(), {}, std::move(targets)); }

    // The run failed, blaming `node`, with a message containing every piece.
    void expectFailure(const RunResult& r, NodeId node, const std::vector<std::string>& pieces) {
        ASSERT_TRUE(r.failed()) << "the run should have failed";
        EXPECT_EQ(r.failedNode, node) << r.message;
        for (const auto& p : pieces) EXPECT_NE(r.message.find(p), std::string::npos) << "'" << p << "' missing in: " << r.message;
        // Prefixed once only.
        const std::string who = b.graph.describeNode(node);
        EXPECT_EQ(r.message.rfind(who, 0), 0u) << r.message;
        EXPECT_EQ(r.message.find(who, 1), std::string::npos) << r.message;
    }

    NodeId checkpoint(const std::string& name = "tiny-sd15.safetensors") {
        return b.add("CheckpointLoaderSimple", {{"ckpt_name", name}});
    }

    ModelsFolder models;
    Executor executor{engineNodeRegistry()};
    GraphBuilder b;
};

TEST_F(NodeErrors, MissingCheckpointNamesTheFolder) {
    const NodeId n = checkpoint("missing.safetensors");
    expectFailure(run({n}), n, {"CheckpointLoaderSimple #1", "'missing.safetensors' not found", models.root() + "/checkpoints"});
}

TEST_F(NodeErrors, VaeFileAsCheckpointSaysWhatItIs) {
    std::filesystem::create_symlink(refdataPath("models/tiny-vae.safetensors"), models.path("checkpoints", "misplaced.safetensors"));
    const NodeId n = checkpoint("misplaced.safetensors");
    expectFailure(run({n}), n, {"misplaced.safetensors", "looks like a VAE", "models/vae"});
}

TEST_F(NodeErrors, MissingVocabularyNamesTheNodeAndTheFolder) {
    const std::string saved = std::getenv("TESSERA_CLIP_VOCAB");
    ::unsetenv("TESSERA_CLIP_VOCAB");
    // The inpainting checkpoint: no other test keeps it loaded, so the loader really reads it.
    const NodeId n = checkpoint("tiny-sd15-inpainting.safetensors");
    const RunResult r = run({n});
    ::setenv("TESSERA_CLIP_VOCAB", saved.c_str(), 1);
    expectFailure(r, n, {"CLIP tokenizer vocabulary was not found", models.root() + "/tokenizers", "TESSERA_CLIP_VOCAB"});
}

TEST_F(NodeErrors, LoraForAnotherFamilyIsRefusedByTheLoraNode) {
    // SD2-shaped: proj_in is linear 320-wide there, 1x1 conv 32-wide in tiny-sd15.
    engine::writeSafetensors(models.path("loras", "sd2-style.safetensors"),
                             {{"lora_unet_input_blocks_1_1_proj_in.lora_up.weight", at::randn({320, 4})},
                              {"lora_unet_input_blocks_1_1_proj_in.lora_down.weight", at::randn({4, 320})},
                              {"lora_unet_input_blocks_1_1_proj_in.alpha", at::scalar_tensor(4.0)}});
    const NodeId ckpt = checkpoint();
    const NodeId lora = b.add("LoraLoader", {{"lora_name", "sd2-style.safetensors"}});
    b.link(ckpt, 0, lora, "model");
    b.link(ckpt, 1, lora, "clip");
    expectFailure(run({lora}), lora, {"LoraLoader #2", "sd2-style.safetensors", "another model family"});
}

TEST_F(NodeErrors, MaskBatchMismatchNamesTheNode) {
    testTensors()["image3"] = at::rand({3, 16, 16, 3});
    testTensors()["mask2"] = at::ones({2, 16, 16});
    const NodeId ckpt = checkpoint();
    const NodeId image = b.add("TestImage", {{"name", "image3"}});
    const NodeId mask = b.add("TestMask", {{"name", "mask2"}});
    const NodeId encode = b.add("VAEEncodeForInpaint");
    b.link(image, 0, encode, "pixels");
    b.link(ckpt, 2, encode, "vae");
    b.link(mask, 0, encode, "mask");
    expectFailure(run({encode}), encode, {"VAEEncodeForInpaint #4", "mask batch has 2", "image batch has 3"});

    GraphBuilder other;
    b = other;
    const NodeId empty = b.add("EmptyLatentImage", {{"width", 64}, {"height", 64}, {"batch_size", 3}});
    const NodeId mask2 = b.add("TestMask", {{"name", "mask2"}});
    const NodeId set = b.add("SetLatentNoiseMask");
    b.link(empty, 0, set, "samples");
    b.link(mask2, 0, set, "mask");
    expectFailure(run({set}), set, {"SetLatentNoiseMask #3", "mask batch has 2", "latent batch has 3", "one mask for all"});
}

TEST_F(NodeErrors, UnsupportedChoicesAreRefusedWithTheAlternatives) {
    const NodeId ckpt = checkpoint();
    const NodeId ms = b.add("ModelSamplingDiscrete", {{"sampling", "v_prediction"}, {"zsnr", true}});
    b.link(ckpt, 0, ms, "model");
    expectFailure(run({ms}), ms, {"zsnr", "set it to false"});

    GraphBuilder other;
    b = other;
    const NodeId empty = b.add("EmptyLatentImage");
    const NodeId up = b.add("LatentUpscale", {{"upscale_method", "bislerp"}, {"width", 1024}, {"height", 1024}});
    b.link(empty, 0, up, "samples");
    // bislerp, once refused here, runs now (ComfyUI's spherical latent upscale).
    const RunResult r = run({up});
    ASSERT_TRUE(r.succeeded()) << r.message;
    EXPECT_EQ(r.outputs.at(up).at(0).as<nodes::LatentValue>()->samples.sizes(), (at::IntArrayRef{1, 4, 128, 128}));
}

TEST_F(NodeErrors, ImageSmallerThanOneLatentCellIsRefused) {
    testTensors()["tiny"] = at::rand({1, 5, 40, 3});
    const NodeId ckpt = checkpoint();
    const NodeId image = b.add("TestImage", {{"name", "tiny"}});
    const NodeId encode = b.add("VAEEncode");
    b.link(image, 0, encode, "pixels");
    b.link(ckpt, 2, encode, "vae");
    expectFailure(run({encode}), encode, {"40x5", "at least 8x8"});
}

TEST_F(NodeErrors, WrongValueTypeOnALinkIsCaughtBeforeRunning) {
    const NodeId ckpt = checkpoint();
    const NodeId decode = b.add("VAEDecode");
    b.link(ckpt, 0, decode, "samples");  // MODEL into LATENT
    b.link(ckpt, 2, decode, "vae");
    const RunResult r = run({decode});
    ASSERT_TRUE(r.failed());
    EXPECT_NE(r.message.find("expects LATENT"), std::string::npos) << r.message;
}

}  // namespace
