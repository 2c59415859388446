// Every example bundle in resources/examples runs through `tessera run`. The models folder
// uses the real file names the examples expect, linked to the tiny reference models, plus a
// LoRA and an ONNX depth model made here.
#include "core/engine/files/safetensors.h"
#include "tests/cli/cli_runner.h"
#include "tests/nodes/tiny_onnx.h"
#include "tests/support/error_message.h"
#include "tests/support/refdata.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace tessera;
using namespace tessera::test;
namespace fs = std::filesystem;

namespace {

const std::string& exampleModelsDir() {
    static const std::string dir = [] {
        const fs::path root = linkedModelsDir(
            "example-models",
            {{"checkpoints/v1-5-pruned-emaonly.safetensors", "models/tiny-sd15.safetensors"},
             {"checkpoints/sd-v1-5-inpainting.safetensors", "models/tiny-sd15-inpainting.safetensors"},
             {"controlnet/control_v11p_sd15_canny.safetensors", "models/tiny-controlnet-sd15.safetensors"},
             {"controlnet/control_v11f1p_sd15_depth.safetensors", "models/tiny-controlnet-sd15.safetensors"},
             {"tokenizers/bpe_simple_vocab_16e6.txt.gz", "bpe_simple_vocab_16e6.txt.gz"}});
        fs::create_directories(root / "depth");
        std::ofstream(root / "depth/depth_anything_v2_vits.onnx", std::ios::binary) << tinyDepthOnnx({0.3f, 0.5f, 0.2f}, 0.0f);
        fs::create_directories(root / "loras");
        at::manual_seed(3);
        engine::writeSafetensors((root / "loras/example_style_lora.safetensors").string(),
                                 {{"lora_unet_input_blocks_1_1_proj_in.lora_up.weight", at::randn({32, 4, 1, 1}) * 0.3},
                                  {"lora_unet_input_blocks_1_1_proj_in.lora_down.weight", at::randn({4, 32, 1, 1}) * 0.3},
                                  {"lora_unet_input_blocks_1_1_proj_in.alpha", at::scalar_tensor(4.0)},
                                  {"lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight", at::randn({64, 4}) * 0.3},
                                  {"lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight", at::randn({4, 64}) * 0.3}});
        return root.string();
    }();
    return dir;
}

std::vector<std::string> exampleNames() {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(sourceDir() + "/resources/examples"))
        if (e.path().extension() == ".tessera") names.push_back(e.path().stem().string());
    std::sort(names.begin(), names.end());
    return names;
}

class Examples : public ::testing::TestWithParam<std::string> {};

TEST_P(Examples, RunsOnTheTinyModels) {
    const std::string name = GetParam();
    const std::string out = makeTempDir("example-out");
    const std::string previews = out + "/previews";
    // One step keeps CI quick (a tiny-model step at 512x512 costs 7-10 s of attention over 4096 tokens with
    // 4-wide heads); img2img's schedule comes from its Noise by Strength node.
    const std::string steps = name == "img2img" ? "--set NoiseByStrength.steps=1" : "--set KSampler.steps=1";
    const CliResult r = runTessera("run " + quoted(sourceDir() + "/resources/examples/" + name + ".tessera") +
                                   " --models " + quoted(exampleModelsDir()) + " --output " + quoted(out) +
                                   " --previews " + quoted(previews) + " --quiet " + steps);
    ASSERT_EQ(r.exitCode, 0) << r.err;
    int pngs = 0;
    for (const auto& e : fs::directory_iterator(out))
        if (e.path().extension() == ".png") ++pngs;
    EXPECT_EQ(pngs, 1) << "one picture per example";
    EXPECT_NE(r.out.find(".png"), std::string::npos);
    int previewCount = 0;
    for (const auto& e : fs::directory_iterator(previews)) previewCount += e.path().extension() == ".png";
    EXPECT_GE(previewCount, 1) << "a live preview per sampler step";
    fs::remove_all(out);
}

INSTANTIATE_TEST_SUITE_P(Bundles, Examples, ::testing::ValuesIn(exampleNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return testNameOf(info.param); });

TEST(Examples, EmptyModelsFolderSaysWhichFileGoesWhere) {
    const std::string empty = makeTempDir("no-models");
    const CliResult r = runTessera("validate " + quoted(sourceDir() + "/resources/examples/controlnet-depth.tessera") +
                                   " --models " + quoted(empty));
    EXPECT_EQ(r.exitCode, 3);
    for (const char* expected : {"v1-5-pruned-emaonly.safetensors", "control_v11f1p_sd15_depth.safetensors",
                                 "depth_anything_v2_vits.onnx", "/checkpoints", "/controlnet", "/depth"})
        EXPECT_NE(r.out.find(expected), std::string::npos) << expected << "\n" << r.out;
}

}  // namespace
