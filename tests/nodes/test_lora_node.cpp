// LoraLoader and LoraLoaderModelOnly on tiny-sd15 with a LoRA written here: it changes the result,
// strength 0 changes nothing, and modules matching nothing are told to the user.
#include "core/engine/files/safetensors.h"
#include "core/exec/executor.h"
#include "tests/nodes/node_test_support.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

using namespace tessera;
using namespace tessera::test;

namespace {

class LoraNode : public ::testing::Test {
protected:
    void SetUp() override {
        at::manual_seed(0);
        engine::writeSafetensors(
            models.path("loras", "style.safetensors"),
            {{"lora_unet_input_blocks_1_1_proj_in.lora_up.weight", at::randn({32, 4, 1, 1}) * 0.3},
             {"lora_unet_input_blocks_1_1_proj_in.lora_down.weight", at::randn({4, 32, 1, 1}) * 0.3},
             {"lora_unet_input_blocks_1_1_proj_in.alpha", at::scalar_tensor(4.0)},
             {"lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight", at::randn({64, 4}) * 0.3},
             {"lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight", at::randn({4, 64}) * 0.3},
             // Matches nothing in an SD1.5 UNet with only 3 levels: skipped and reported.
             {"lora_unet_input_blocks_7_1_proj_in.lora_up.weight", at::randn({32, 4})},
             {"lora_unet_input_blocks_7_1_proj_in.lora_down.weight", at::randn({4, 32})}});
    }

    // Checkpoint [-> LoraLoader, or LoraLoaderModelOnly with modelOnly] -> prompts -> KSampler on an empty
    // latent; returns the latent, and what the nodes noted in `notes`.
    at::Tensor sample(std::optional<std::pair<double, double>> lora, bool modelOnly = false) {
        GraphBuilder b;
        const NodeId ckpt = b.add("CheckpointLoaderSimple", {{"ckpt_name", "tiny-sd15.safetensors"}});
        NodeId model = ckpt, clip = ckpt;
        int clipSlot = 1;
        if (modelOnly) {
            model = b.add("LoraLoaderModelOnly", {{"lora_name", "style.safetensors"}, {"strength_model", lora->first}});
            b.link(ckpt, 0, model, "model");
        } else if (lora) {
            const NodeId l = b.add("LoraLoader", {{"lora_name", "style.safetensors"},
                                                  {"strength_model", lora->first},
                                                  {"strength_clip", lora->second}});
            b.link(ckpt, 0, l, "model");
            b.link(ckpt, 1, l, "clip");
            model = clip = l;
            clipSlot = 1;
        }
        const NodeId pos = b.add("CLIPTextEncode", {{"text", "a cat"}});
        const NodeId neg = b.add("CLIPTextEncode", {{"text", ""}});
        b.link(clip, clipSlot, pos, "clip");
        b.link(clip, clipSlot, neg, "clip");
        const NodeId empty = b.add("EmptyLatentImage", {{"width", 64}, {"height", 64}});
        const NodeId s = b.add("KSampler", {{"seed", 8}, {"steps", 4}});
        b.link(model, 0, s, "model");
        b.link(pos, 0, s, "positive");
        b.link(neg, 0, s, "negative");
        b.link(empty, 0, s, "latent_image");
        const RunResult r = executor.run(b.graph, models.env(), {}, {s});
        EXPECT_TRUE(r.succeeded()) << r.message;
        notes = r.notes;
        return r.succeeded() ? outputTensor(r, s) : at::Tensor();
    }

    std::vector<std::pair<NodeId, std::string>> notes;
    ModelsFolder models;
    Executor executor{engineNodeRegistry()};
};

double maxDiff(const at::Tensor& a, const at::Tensor& b) { return (a - b).abs().max().item<double>(); }

TEST_F(LoraNode, ChangesTheResultAndStrengthZeroChangesNothing) {
    const at::Tensor plain = sample(std::nullopt);
    ASSERT_TRUE(plain.defined());
    EXPECT_TRUE(notes.empty());
    const at::Tensor both = sample(std::make_pair(1.0, 1.0));
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_EQ(notes[0].first, 2);  // the LoraLoader
    EXPECT_EQ(notes[0].second, "1 module(s) of 'style.safetensors' match nothing in the model and were skipped, e.g. "
                               "'lora_unet_input_blocks_7_1_proj_in'");

    const at::Tensor modelOnly = sample(std::make_pair(1.0, 0.0));
    const at::Tensor clipOnly = sample(std::make_pair(0.0, 1.0));
    const at::Tensor none = sample(std::make_pair(0.0, 0.0));
    EXPECT_GT(maxDiff(both, plain), 1e-3);
    EXPECT_GT(maxDiff(modelOnly, plain), 1e-3);
    EXPECT_GT(maxDiff(clipOnly, plain), 1e-3);
    EXPECT_GT(maxDiff(modelOnly, both), 1e-4);
    EXPECT_TRUE(none.equal(plain));
}

TEST_F(LoraNode, ModelOnlyPatchesWhatLoraLoaderPatchesInTheModelAndSaysWhatItLeftOut) {
    const at::Tensor viaLoraLoader = sample(std::make_pair(0.7, 0.0));
    const at::Tensor modelOnly = sample(std::make_pair(0.7, 0.0), true);
    ASSERT_TRUE(modelOnly.defined());
    EXPECT_TRUE(modelOnly.equal(viaLoraLoader));
    ASSERT_EQ(notes.size(), 2u);
    EXPECT_EQ(notes[0].first, 2);
    EXPECT_EQ(notes[0].second, "1 module(s) of 'style.safetensors' match nothing in the model and were skipped, e.g. "
                               "'lora_unet_input_blocks_7_1_proj_in'");
    EXPECT_EQ(notes[1].second, "the LoRA's 1 text encoder module(s) were left out: this node patches the model only "
                               "(LoraLoader patches both)");
    EXPECT_GT(maxDiff(modelOnly, sample(std::nullopt)), 1e-3);
    EXPECT_TRUE(sample(std::make_pair(0.0, 0.0), true).equal(sample(std::nullopt)));
}

}  // namespace
