#include "tests/support/error_message.h"
#include "core/common/error.h"
#include "core/engine/files/model_files.h"
#include "core/engine/files/safetensors.h"
#include "tests/support/refdata.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>

using namespace tessera;
using namespace tessera::engine;
using tessera::test::errorOf;

namespace {

std::shared_ptr<SafetensorsFile> model(const std::string& name) {
    return SafetensorsFile::open(test::refdataPath("models/" + name));
}

// Small synthetic model files with the key layouts of real ones.
class ModelFilesSynthetic : public ::testing::Test {
protected:
    void SetUp() override { dir_ = test::makeTempDir("model-files"); }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::shared_ptr<SafetensorsFile> write(const std::string& name, const std::map<std::string, at::Tensor>& tensors) {
        writeSafetensors(dir_ + "/" + name, tensors);
        return SafetensorsFile::open(dir_ + "/" + name);
    }
    // An SD2-style checkpoint fragment (OpenCLIP text, linear proj_in) with the v-prediction probe.
    std::shared_ptr<SafetensorsFile> sd2WithProbe(const std::string& name, double probeStd, int64_t inChannels) {
        at::manual_seed(5);
        at::Tensor probe = at::randn({320});
        probe = (probe - probe.mean()) / probe.std(false) * probeStd;
        return write(name, {{"model.diffusion_model.input_blocks.0.0.weight", at::zeros({320, inChannels, 3, 3})},
                            {"model.diffusion_model.input_blocks.1.1.proj_in.weight", at::zeros({320, 320})},
                            {"model.diffusion_model.output_blocks.11.1.transformer_blocks.0.norm1.bias", probe},
                            {"cond_stage_model.model.ln_final.weight", at::ones({1024})}});
    }

    std::string dir_;
};

}  // namespace

TEST(ModelFiles, InspectsTinySd15) {
    const CheckpointLayout l = inspectCheckpoint(*model("tiny-sd15.safetensors"));
    EXPECT_EQ(l.family, ModelFamily::SD1);
    EXPECT_EQ(l.unetPrefix, "model.diffusion_model.");
    EXPECT_EQ(l.vaePrefix, "first_stage_model.");
    EXPECT_EQ(l.textPrefix, "cond_stage_model.transformer.");
    EXPECT_EQ(l.textNaming, CheckpointLayout::HuggingFace);
    EXPECT_FALSE(l.inpainting);
    EXPECT_EQ(l.predictionGuess, Prediction::Eps);
    EXPECT_TRUE(l.problems.empty()) << l.problems.front();
}

TEST(ModelFiles, InspectsTinySd15Inpainting) {
    const CheckpointLayout l = inspectCheckpoint(*model("tiny-sd15-inpainting.safetensors"));
    EXPECT_EQ(l.family, ModelFamily::SD1);
    EXPECT_TRUE(l.inpainting);
    EXPECT_EQ(l.textNaming, CheckpointLayout::HuggingFace);
    EXPECT_EQ(l.vaePrefix, "first_stage_model.");
    EXPECT_TRUE(l.problems.empty()) << l.problems.front();
}

TEST(ModelFiles, InspectsTinySd2) {
    const CheckpointLayout l = inspectCheckpoint(*model("tiny-sd2-v.safetensors"));
    EXPECT_EQ(l.family, ModelFamily::SD2);
    EXPECT_FALSE(l.inpainting);
    EXPECT_EQ(l.textPrefix, "cond_stage_model.model.");
    EXPECT_EQ(l.textNaming, CheckpointLayout::OpenClip);
    EXPECT_EQ(l.vaePrefix, "first_stage_model.");
    // Its UNet has no output_blocks.11, the tensor ComfyUI's guess reads: the README says tests
    // select v-prediction explicitly for this model.
    EXPECT_EQ(l.predictionGuess, Prediction::Eps);
    EXPECT_TRUE(l.problems.empty()) << l.problems.front();
}

TEST(ModelFiles, ClassifiesEveryTinyModel) {
    EXPECT_EQ(classifyModelFile(*model("tiny-sd15.safetensors")), ModelFileKind::Checkpoint);
    EXPECT_EQ(classifyModelFile(*model("tiny-sd15-inpainting.safetensors")), ModelFileKind::Checkpoint);
    EXPECT_EQ(classifyModelFile(*model("tiny-sd2-v.safetensors")), ModelFileKind::Checkpoint);
    EXPECT_EQ(classifyModelFile(*model("tiny-controlnet-sd15.safetensors")), ModelFileKind::ControlNet);
    EXPECT_EQ(classifyModelFile(*model("tiny-vae.safetensors")), ModelFileKind::Vae);
}

TEST(ModelFiles, FindsVaeAndControlNetPrefixes) {
    EXPECT_EQ(vaePrefixOf(*model("tiny-vae.safetensors")), "");
    EXPECT_EQ(vaePrefixOf(*model("tiny-sd15.safetensors")), "first_stage_model.");
    EXPECT_EQ(vaePrefixOf(*model("tiny-sd2-v.safetensors")), "first_stage_model.");
    EXPECT_EQ(controlNetPrefixOf(*model("tiny-controlnet-sd15.safetensors")), "control_model.");

    std::string msg = errorOf([] { vaePrefixOf(*model("tiny-controlnet-sd15.safetensors")); });
    EXPECT_NE(msg.find("contains no VAE"), std::string::npos) << msg;
    EXPECT_NE(msg.find("ControlNet; put it in models/controlnet"), std::string::npos) << msg;
    msg = errorOf([] { controlNetPrefixOf(*model("tiny-vae.safetensors")); });
    EXPECT_NE(msg.find("tiny-vae.safetensors is not a ControlNet"), std::string::npos) << msg;
    EXPECT_NE(msg.find("VAE; put it in models/vae"), std::string::npos) << msg;
}

TEST(ModelFiles, WrongKindFilesSayWhatTheyAreAndWhereTheyBelong) {
    std::string msg = errorOf([] { inspectCheckpoint(*model("tiny-controlnet-sd15.safetensors")); });
    EXPECT_NE(msg.find("tiny-controlnet-sd15.safetensors is not a checkpoint"), std::string::npos) << msg;
    EXPECT_NE(msg.find("this looks like a ControlNet; put it in models/controlnet"), std::string::npos) << msg;
    msg = errorOf([] { inspectCheckpoint(*model("tiny-vae.safetensors")); });
    EXPECT_NE(msg.find("this looks like a VAE; put it in models/vae"), std::string::npos) << msg;
}

TEST(ModelFiles, TruncatedCheckpointGivesTheSafetensorsError) {
    const std::string dir = test::makeTempDir("model-files");
    std::ifstream src(test::refdataPath("models/tiny-sd15.safetensors"), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(src)), {});
    const std::string path = dir + "/half.safetensors";
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
    const std::string msg = errorOf([&] { inspectCheckpoint(*SafetensorsFile::open(path)); });
    EXPECT_NE(msg.find("half.safetensors"), std::string::npos) << msg;
    EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
    std::filesystem::remove_all(dir);
}

TEST_F(ModelFilesSynthetic, GuessesSd2VPredictionFromTheWeightStatisticLikeComfyUI) {
    EXPECT_EQ(inspectCheckpoint(*sd2WithProbe("v.safetensors", 0.15, 4)).predictionGuess, Prediction::V);
    EXPECT_EQ(inspectCheckpoint(*sd2WithProbe("eps.safetensors", 0.03, 4)).predictionGuess, Prediction::Eps);
    // Inpainting UNets are never v-prediction in ComfyUI's rule.
    const CheckpointLayout inpaint = inspectCheckpoint(*sd2WithProbe("inpaint.safetensors", 0.15, 9));
    EXPECT_TRUE(inpaint.inpainting);
    EXPECT_EQ(inpaint.predictionGuess, Prediction::Eps);
}

TEST_F(ModelFilesSynthetic, MissingPartsAreListedAsProblems) {
    const CheckpointLayout l = inspectCheckpoint(*sd2WithProbe("partial.safetensors", 0.03, 4));
    EXPECT_EQ(l.family, ModelFamily::SD2);
    EXPECT_EQ(l.vaePrefix, "");
    auto mentions = [&](const std::string& text) {
        for (const auto& p : l.problems)
            if (p.find(text) != std::string::npos) return true;
        return false;
    };
    EXPECT_TRUE(mentions("no VAE (first_stage_model.*)"));
    EXPECT_TRUE(mentions("model.diffusion_model.middle_block.*"));
    EXPECT_TRUE(mentions("model.diffusion_model.out.2.weight"));
    EXPECT_FALSE(mentions("text encoder"));

    const CheckpointLayout noText = inspectCheckpoint(*write("notext.safetensors", {
        {"model.diffusion_model.input_blocks.0.0.weight", at::zeros({8, 4, 3, 3})},
        {"model.diffusion_model.input_blocks.1.1.proj_in.weight", at::zeros({8, 8, 1, 1})}}));
    EXPECT_EQ(noText.family, ModelFamily::SD1);  // from the UNet's convolutional proj_in
    EXPECT_EQ(noText.textPrefix, "");
    bool textProblem = false;
    for (const auto& p : noText.problems) textProblem |= p.find("no text encoder") != std::string::npos;
    EXPECT_TRUE(textProblem);
}

TEST_F(ModelFilesSynthetic, ClassifiesLorasEmbeddingsAndOtherVaeLayouts) {
    auto lora = write("lora.safetensors", {{"lora_unet_down_blocks_0_attentions_0_proj_in.lora_up.weight", at::zeros({8, 4})},
                                           {"lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight", at::zeros({4, 8})},
                                           {"lora_unet_down_blocks_0_attentions_0_proj_in.alpha", at::ones({})}});
    EXPECT_EQ(classifyModelFile(*lora), ModelFileKind::Lora);
    std::string msg = errorOf([&] { inspectCheckpoint(*lora); });
    EXPECT_NE(msg.find("this looks like a LoRA; put it in models/loras"), std::string::npos) << msg;

    auto embedding = write("embedding.safetensors", {{"emb_params", at::zeros({2, 768})}});
    EXPECT_EQ(classifyModelFile(*embedding), ModelFileKind::Embedding);
    msg = errorOf([&] { inspectCheckpoint(*embedding); });
    EXPECT_NE(msg.find("put it in models/embeddings"), std::string::npos) << msg;

    auto prefixed = write("vae-prefixed.safetensors", {{"vae.decoder.conv_in.weight", at::zeros({8, 4, 3, 3})},
                                                       {"vae.decoder.up.0.block.0.conv1.weight", at::zeros({8, 8, 3, 3})}});
    EXPECT_EQ(classifyModelFile(*prefixed), ModelFileKind::Vae);
    EXPECT_EQ(vaePrefixOf(*prefixed), "vae.");

    auto diffusers = write("diffusers-vae.safetensors", {{"decoder.conv_in.weight", at::zeros({8, 4, 3, 3})},
                                                         {"decoder.up_blocks.0.resnets.0.conv1.weight", at::zeros({8, 8, 3, 3})}});
    EXPECT_EQ(classifyModelFile(*diffusers), ModelFileKind::Vae);
    msg = errorOf([&] { vaePrefixOf(*diffusers); });
    EXPECT_NE(msg.find("diffusers-format VAE not supported yet"), std::string::npos) << msg;

    auto bareControlNet = write("cn.safetensors", {{"input_hint_block.0.weight", at::zeros({16, 3, 3, 3})},
                                                   {"zero_convs.0.0.weight", at::zeros({8, 8, 1, 1})}});
    EXPECT_EQ(classifyModelFile(*bareControlNet), ModelFileKind::ControlNet);
    EXPECT_EQ(controlNetPrefixOf(*bareControlNet), "");

    auto unknown = write("other.safetensors", {{"backbone.stem.weight", at::zeros({2, 2})}});
    EXPECT_EQ(classifyModelFile(*unknown), ModelFileKind::Unknown);
    msg = errorOf([&] { inspectCheckpoint(*unknown); });
    EXPECT_NE(msg.find("other.safetensors is not a Stable Diffusion checkpoint"), std::string::npos) << msg;
    EXPECT_NE(msg.find("backbone"), std::string::npos) << msg;
}
