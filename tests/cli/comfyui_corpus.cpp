// The corpus table and its models folder and input images (see comfyui_corpus.h).
#include "tests/cli/comfyui_corpus.h"

#include "core/engine/files/safetensors.h"
#include "nodes/builtin_nodes.h"
#include "tests/cli/cli_runner.h"
#include "tests/support/refdata.h"
#include "tests/support/tiny_t2i_adapter.h"
#include "tests/support/tiny_unclip.h"
#include "tests/support/torch_save.h"

#include <ATen/ATen.h>
#include <QFile>
#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <filesystem>

namespace fs = std::filesystem;

namespace tessera::test {

void PrintTo(const CorpusCase& c, std::ostream* os) { *os << c.file; }

const std::vector<CorpusCase>& comfyuiCorpus() {
    static const std::vector<CorpusCase> cases = {
        {"workflow_templates__default", {}, true, {}, 11, {{64, 64}}, ""},
        {"img2img__img2img_workflow", {}, true, {}, 8, {{64, 64}}, ""},
        {"lora__lora", {}, true, {}, 8, {{64, 64}}, ""},
        {"2_pass_txt2img__hiresfix_latent_workflow", {}, true, {}, 11, {{96, 96}, {144, 144}}, ""},
        {"2_pass_txt2img__latent_upscale_different_prompt_model", {}, true, {}, 15, {{168, 96}, {256, 144}}, ""},
        {"noisy_latent_composition__noisy_latents_3_subjects", {}, true, {}, 20, {{240, 136}}, ""},
        {"inpaint__inpaint_example", {}, true, {}, 8, {{64, 64}}, ""},
        {"textual_inversion_embeddings__embedding_example", {}, true, {}, 7, {{96, 96}}, ""},
        {"area_composition__square_area_for_subject", {}, true, {}, 18, {{160, 88}, {240, 136}}, ""},
        {"controlnet__controlnet_example", {}, true, {}, 11, {{64, 64}}, ""},
        // Runs on tiny-sd15 under CosXL's name; the real CosXL edit model is SDXL, which Tessera lacks.
        {"edit_models__sdxl_edit_model", {}, true, {}, 15, {{64, 64}}, ""},
        {"tessera__sampler_custom_advanced", {}, true, {}, 12, {{64, 64}}, ""},
        {"2_pass_txt2img__hiresfix_esrgan_workflow", {}, true, {}, 15, {{96, 96}, {192, 192}}, ""},
        {"area_composition__morning_day_evening_night", {}, true, {}, 29, {{88, 160}, {136, 240}}, ""},
        {"area_composition__night_evening_day_morning", {}, true, {}, 29, {{88, 160}, {136, 240}}, ""},
        {"area_composition__square_area_for_2_subjects", {}, true, {}, 21, {{160, 88}, {240, 136}}, ""},
        {"area_composition__square_area_for_2_subjects_first_pass", {}, true, {}, 21, {{160, 88}, {240, 136}}, ""},
        {"area_composition__workflow_night_evening_day_morning", {}, true, {}, 29, {{88, 160}, {136, 240}}, ""},
        {"controlnet__2_pass_pose_worship", {}, true, {}, 20, {{160, 88}, {240, 136}}, ""},
        {"controlnet__depth_controlnet", {}, true, {}, 10, {{104, 48}}, ""},
        {"controlnet__depth_t2i_adapter", {}, true, {}, 10, {{104, 48}}, ""},
        {"controlnet__mixing_controlnets", {}, true, {}, 14, {{96, 96}}, ""},
        {"gligen__gligen_textbox_example", {}, true, {}, 10, {{96, 96}}, ""},
        {"hypernetworks__hypernetwork_example", {}, true, {}, 8, {{64, 64}}, ""},
        {"inpaint__inpain_model_cat", {}, true, {}, 8, {{64, 64}}, ""},
        {"inpaint__inpain_model_outpainting", {}, true, {}, 9, {{64, 96}}, ""},
        {"inpaint__inpain_model_woman", {}, true, {}, 8, {{64, 64}}, ""},
        {"inpaint__inpaint_anythingv3_woman", {}, true, {}, 10, {{64, 64}}, ""},
        {"inpaint__yosemite_outpaint_example", {}, true, {}, 9, {{64, 96}}, ""},
        {"lora__lora_multiple", {}, true, {}, 9, {{64, 64}}, ""},
        {"model_merging__model_merging_3_checkpoints", {}, true, {}, 13, {{64, 64}}, ""},
        {"model_merging__model_merging_basic", {}, true, {}, 11, {{64, 64}}, ""},
        {"model_merging__model_merging_inpaint", {}, true, {}, 15, {{64, 64}}, ""},
        {"model_merging__model_merging_lora", {}, true, {}, 12, {{64, 64}}, ""},
        {"noisy_latent_composition__noisy_latents_3_subjects_", {}, true, {}, 20, {{240, 136}}, ""},
        {"unclip__unclip_2pass", {}, true, {}, 21, {{160, 88}, {240, 136}}, ""},
        {"unclip__unclip_example", {}, true, {}, 10, {{96, 96}}, ""},
        {"unclip__unclip_example_multiple", {}, true, {}, 13, {{96, 96}}, ""},
        {"upscale_models__esrgan_example", {}, true, {}, 9, {{128, 128}}, ""},
        {"area_composition__night_evening_day_morning_subject", {}, true, {}, 32, {{88, 160}, {136, 240}}, ""},  // a dangling ConditioningCombine
        {"hypernetworks__hypernetwork_example_output", {}, true, {}, 8, {{64, 64}}, ""},
    };
    return cases;
}

const Registry& corpusRegistry() {
    static Registry reg;
    static const bool registered = [] {
        nodes::registerBuiltinNodes(reg);
        return true;
    }();
    (void)registered;
    return reg;
}

const std::string& corpusModelsDir() {
    static const std::string dir = [] {
        const std::string sd15 = "models/tiny-sd15.safetensors";
        const fs::path root = linkedModelsDir(
            "corpus-models",
            {{"checkpoints/v1-5-pruned-emaonly-fp16.safetensors", sd15},
             {"checkpoints/wd-illusion-fp16.safetensors", sd15},
             {"checkpoints/cardosAnime_v10.safetensors", sd15},
             {"checkpoints/cosxl_edit.safetensors", sd15},
             {"checkpoints/512-inpainting-ema.safetensors", "models/tiny-sd15-inpainting.safetensors"},
             {"vae/vae-ft-mse-840000-ema-pruned.safetensors", "models/tiny-vae.safetensors"},
             {"controlnet/control_scribble.safetensors", "models/tiny-controlnet-sd15.safetensors"},
             {"checkpoints/AbyssOrangeMix2_hard.safetensors", sd15},
             {"checkpoints/AOM3A1.safetensors", sd15},
             {"checkpoints/AOM3A3.safetensors", sd15},
             {"checkpoints/cardosAnimated_v20.safetensors", sd15},
             {"controlnet/control_openpose.safetensors", "models/tiny-controlnet-sd15.safetensors"},
             {"controlnet/diff_control_sd15_depth_fp16.safetensors", "models/tiny-controlnet-sd15.safetensors"},
             {"tokenizers/bpe_simple_vocab_16e6.txt.gz", "bpe_simple_vocab_16e6.txt.gz"}});
        // Pickled like the published files (Lightning checkpoints), read by the restricted unpickler.
        for (const auto& [name, source] : std::vector<std::pair<std::string, std::string>>{
                 {"checkpoints/v1-5-pruned-emaonly.ckpt", sd15},
                 {"checkpoints/Anything-V3.0.ckpt", sd15},
                 {"checkpoints/v2-1_768-ema-pruned.ckpt", "models/tiny-sd2-v.safetensors"},
                 {"checkpoints/sd-v1-5-inpainting.ckpt", "models/tiny-sd15-inpainting.safetensors"},
                 {"vae/kl-f8-anime2.ckpt", "models/tiny-vae.safetensors"}})
            writeTorchSaveCopy(refdataPath(source), (root / name).string(), true);
        // The unCLIP workflows' checkpoints: a tiny SD2 unCLIP model with its CLIP vision tower, one pickled.
        const std::string unclip = writeTinyUnclipCheckpoint(root.string(), "checkpoints/wd-1-5-beta2-aesthetic-unclip-h-fp32.safetensors");
        writeTorchSaveCopy(unclip, (root / "checkpoints/sd21-unclip-h.ckpt").string(), true);
        fs::create_directories(root / "embeddings");
        at::manual_seed(4);
        writeTorchSaveEmbedding((root / "embeddings/SDA768.pt").string(), "SDA768", at::randn({2, 64}) * 0.02);
        fs::create_directories(root / "loras");
        fs::create_directories(root / "hypernetworks");  // an A1111-layout .pt for tiny-sd15's widths
        fs::create_symlink(sourceDir() + "/tests/fixtures/hypernetwork/tiny_relu_ln.pt", root / "hypernetworks/dantionMarbleStatues_10.pt");
        fs::create_directories(root / "upscale_models");
        fs::create_symlink(sourceDir() + "/tests/fixtures/upscale/rrdb_old_x4.pth", root / "upscale_models/RealESRGAN_x4plus.pth");
        fs::create_symlink(sourceDir() + "/tests/fixtures/upscale/rrdb_new_x2.pth", root / "upscale_models/RealESRGAN_x2.pth");
        fs::create_directories(root / "gligen");
        fs::create_symlink(sourceDir() + "/tests/fixtures/gligen/tiny_gligen_sd15.safetensors",
                           root / "gligen/gligen_sd14_textbox_pruned.safetensors");
        // A full T2I-Adapter pickled like TencentARC's .pth files, with levels that fit tiny-sd15's UNet.
        writeTorchSaveCopy(writeTinySd15Adapter(root.string()), (root / "controlnet/t2iadapter_depth_sd14v1.pth").string(),
                           false);
        at::manual_seed(5);
        engine::writeSafetensors((root / "loras/epiNoiseoffset_v2.safetensors").string(),
                                 {{"lora_unet_input_blocks_1_1_proj_in.lora_up.weight", at::randn({32, 4, 1, 1}) * 0.3},
                                  {"lora_unet_input_blocks_1_1_proj_in.lora_down.weight", at::randn({4, 32, 1, 1}) * 0.3},
                                  {"lora_unet_input_blocks_1_1_proj_in.alpha", at::scalar_tensor(4.0)}});
        engine::writeSafetensors((root / "loras/theovercomer8sContrastFix_sd15.safetensors").string(),
                                 {{"lora_unet_input_blocks_1_1_proj_in.lora_up.weight", at::randn({32, 4, 1, 1}) * 0.3},
                                  {"lora_unet_input_blocks_1_1_proj_in.lora_down.weight", at::randn({4, 32, 1, 1}) * 0.3},
                                  {"lora_unet_input_blocks_1_1_proj_in.alpha", at::scalar_tensor(4.0)}});
        return root.string();
    }();
    return dir;
}

const std::string& corpusInputDir() {
    static const std::string dir = [] {
        const fs::path in = makeTempDir("corpus-input");
        cv::RNG rng(15);
        cv::Mat rgba(64, 64, CV_8UC4);
        rng.fill(rgba, cv::RNG::UNIFORM, 0, 256);
        std::vector<cv::Mat> channels;
        cv::split(rgba, channels);
        channels[3].setTo(255);
        channels[3](cv::Rect(16, 20, 24, 24)).setTo(0);  // LoadImage's mask: 1 where transparent
        cv::merge(channels, rgba);
        for (const char* name : {"example.png", "input_scribble_example.png", "yosemite_inpaint_example.png", "mountains.png",
                                 "yosemite_outpaint_example.png", "sunset.png", "pose_worship.png", "pose_present.png",
                                 "house_scribble.png", "shark_depthmap.png"})
            EXPECT_TRUE(cv::imwrite((in / name).string(), rgba)) << name;
        return in.string();
    }();
    return dir;
}

QByteArray readCorpusWorkflow(const std::string& name) {
    QFile f(QString::fromStdString(sourceDir() + "/tests/cli/data/comfyui_corpus/" + name + ".json"));
    EXPECT_TRUE(f.open(QIODevice::ReadOnly)) << name;
    return f.readAll();
}

}  // namespace tessera::test
