// Published ComfyUI workflows (tests/cli/data/comfyui_corpus, sources in SOURCES.md): each imports,
// its node types are known or kept as named placeholders, and those Tessera can run validate against
// tiny models placed under the workflow's own model names. What a workflow still lacks is spelled out
// below, so the test fails when that changes and the table in the closing note goes stale.
#include "core/engine/files/safetensors.h"
#include "core/exec/environment.h"
#include "core/graph/validation.h"
#include "core/io/comfyui_import.h"
#include "nodes/builtin_nodes.h"
#include "tests/cli/cli_runner.h"
#include "tests/support/refdata.h"

#include <ATen/ATen.h>
#include <QFile>
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

using namespace tessera;
using namespace tessera::test;
namespace fs = std::filesystem;

namespace {

struct CorpusCase {
    std::string file;
    std::set<std::string> unknownTypes;   // what Tessera does not have yet
    bool validates;                        // with every model in place
    std::vector<std::string> problems;     // otherwise: each validation problem contains one of these
    size_t nodes;                          // as imported (Reroutes and PrimitiveNodes dissolved)
};

const std::vector<CorpusCase>& corpus() {
    static const std::vector<CorpusCase> cases = {
        {"workflow_templates__default", {}, true, {}, 11},
        {"img2img__img2img_workflow", {}, true, {}, 8},
        {"lora__lora", {}, true, {}, 8},
        {"2_pass_txt2img__hiresfix_latent_workflow", {}, true, {}, 11},
        {"2_pass_txt2img__latent_upscale_different_prompt_model", {}, true, {}, 15},
        {"noisy_latent_composition__noisy_latents_3_subjects", {}, true, {}, 20},
        {"inpaint__inpaint_example", {}, true, {}, 8},
        {"textual_inversion_embeddings__embedding_example", {}, true, {}, 7},
        {"area_composition__square_area_for_subject", {}, true, {}, 18},
        {"controlnet__controlnet_example", {}, true, {}, 11},
        {"edit_models__sdxl_edit_model", {}, true, {}, 15},
        {"tessera__sampler_custom_advanced", {}, true, {}, 12},
        {"2_pass_txt2img__hiresfix_esrgan_workflow", {}, true, {}, 15},
        {"area_composition__morning_day_evening_night", {}, true, {}, 29},
        {"area_composition__night_evening_day_morning", {}, true, {}, 29},
        {"area_composition__square_area_for_2_subjects", {}, true, {}, 21},
        {"area_composition__square_area_for_2_subjects_first_pass", {}, true, {}, 21},
        {"area_composition__workflow_night_evening_day_morning", {}, true, {}, 29},
        {"controlnet__2_pass_pose_worship", {}, true, {}, 20},
        {"controlnet__depth_controlnet", {}, true, {}, 10},
        {"controlnet__depth_t2i_adapter", {}, false, {"'t2iadapter_depth_sd14v1.pth' not found"}, 10},
        {"controlnet__mixing_controlnets", {}, true, {}, 14},
        {"gligen__gligen_textbox_example", {"GLIGENLoader", "GLIGENTextBoxApply"}, false, {"unknown node type"}, 10},
        {"hypernetworks__hypernetwork_example", {"HypernetworkLoader"}, false, {"unknown node type"}, 8},
        {"inpaint__inpain_model_cat", {}, true, {}, 8},
        {"inpaint__inpain_model_outpainting", {}, true, {}, 9},
        {"inpaint__inpain_model_woman", {}, true, {}, 8},
        {"inpaint__inpaint_anythingv3_woman", {}, true, {}, 10},
        {"inpaint__yosemite_outpaint_example", {}, true, {}, 9},
        {"lora__lora_multiple", {}, true, {}, 9},
        {"model_merging__model_merging_3_checkpoints", {}, true, {}, 13},
        {"model_merging__model_merging_basic", {}, true, {}, 11},
        {"model_merging__model_merging_inpaint", {}, true, {}, 15},
        {"model_merging__model_merging_lora", {}, true, {}, 12},
        {"noisy_latent_composition__noisy_latents_3_subjects_", {}, true, {}, 20},
        {"unclip__unclip_2pass", {"unCLIPCheckpointLoader", "unCLIPConditioning"}, false, {"unknown node type"}, 21},
        {"unclip__unclip_example", {"unCLIPCheckpointLoader", "unCLIPConditioning"}, false, {"unknown node type"}, 10},
        {"unclip__unclip_example_multiple", {"unCLIPCheckpointLoader", "unCLIPConditioning"}, false, {"unknown node type"}, 13},
        {"upscale_models__esrgan_example", {}, true, {}, 9},
        {"area_composition__night_evening_day_morning_subject", {}, false, {"required input 'conditioning_2' (CONDITIONING) is not connected"}, 32},
        {"hypernetworks__hypernetwork_example_output", {"HypernetworkLoader"}, false, {"unknown node type"}, 8},
    };
    return cases;
}

const Registry& builtins() {
    static Registry reg;
    static const bool registered = [] {
        nodes::registerBuiltinNodes(reg);
        return true;
    }();
    (void)registered;
    return reg;
}

// Every model name the corpus uses, on the tiny reference model of the same kind.
const std::string& corpusModelsDir() {
    static const std::string dir = [] {
        const std::string sd15 = "models/tiny-sd15.safetensors";
        const fs::path root = linkedModelsDir(
            "corpus-models",
            {{"checkpoints/v1-5-pruned-emaonly-fp16.safetensors", sd15},
             {"checkpoints/v1-5-pruned-emaonly.ckpt", sd15},
             {"checkpoints/wd-illusion-fp16.safetensors", sd15},
             {"checkpoints/cardosAnime_v10.safetensors", sd15},
             {"checkpoints/Anything-V3.0.ckpt", sd15},
             {"checkpoints/cosxl_edit.safetensors", sd15},
             {"checkpoints/v2-1_768-ema-pruned.ckpt", "models/tiny-sd2-v.safetensors"},
             {"checkpoints/512-inpainting-ema.safetensors", "models/tiny-sd15-inpainting.safetensors"},
             {"vae/vae-ft-mse-840000-ema-pruned.safetensors", "models/tiny-vae.safetensors"},
             {"controlnet/control_scribble.safetensors", "models/tiny-controlnet-sd15.safetensors"},
             {"checkpoints/AbyssOrangeMix2_hard.safetensors", sd15},
             {"checkpoints/AOM3A1.safetensors", sd15},
             {"checkpoints/AOM3A3.safetensors", sd15},
             {"checkpoints/cardosAnimated_v20.safetensors", sd15},
             {"checkpoints/sd-v1-5-inpainting.ckpt", "models/tiny-sd15-inpainting.safetensors"},
             {"vae/kl-f8-anime2.ckpt", "models/tiny-vae.safetensors"},
             {"controlnet/control_openpose.safetensors", "models/tiny-controlnet-sd15.safetensors"},
             {"controlnet/diff_control_sd15_depth_fp16.safetensors", "models/tiny-controlnet-sd15.safetensors"},
             {"tokenizers/bpe_simple_vocab_16e6.txt.gz", "bpe_simple_vocab_16e6.txt.gz"}});
        fs::create_directories(root / "loras");
        fs::create_directories(root / "upscale_models");
        fs::create_symlink(sourceDir() + "/tests/fixtures/upscale/rrdb_old_x4.pth", root / "upscale_models/RealESRGAN_x4plus.pth");
        fs::create_symlink(sourceDir() + "/tests/fixtures/upscale/rrdb_new_x2.pth", root / "upscale_models/RealESRGAN_x2.pth");
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
        for (const char* name : {"example.png", "input_scribble_example.png", "yosemite_inpaint_example.png", "mountains.png",
                                 "yosemite_outpaint_example.png", "sunset.png", "pose_worship.png", "pose_present.png",
                                 "house_scribble.png", "shark_depthmap.png"})
            fs::copy_file(refdataPath("cases/source.png"), in / name);
        return in.string();
    }();
    return dir;
}

QByteArray readCorpus(const std::string& name) {
    QFile f(QString::fromStdString(sourceDir() + "/tests/cli/data/comfyui_corpus/" + name + ".json"));
    EXPECT_TRUE(f.open(QIODevice::ReadOnly)) << name;
    return f.readAll();
}

class Corpus : public ::testing::TestWithParam<CorpusCase> {};

TEST_P(Corpus, ImportsWithKnownTypesAndValidates) {
    const CorpusCase& c = GetParam();
    LoadReport report;
    const Graph g = importGraph(readCorpus(c.file), builtins(), report);
    EXPECT_EQ(std::set<std::string>(report.unknownTypes.begin(), report.unknownTypes.end()), c.unknownTypes);
    EXPECT_EQ(g.nodes().size(), c.nodes);
    // Nothing shifted: widget values that do not fit their widgets would be reported here.
    for (const auto& w : report.warnings)
        EXPECT_NE(w.find("of unknown type"), std::string::npos) << c.file << ": " << w;
    for (const auto& [id, n] : g.nodes())
        if (n.type == "KSampler" || n.type == "KSamplerAdvanced") {
            EXPECT_TRUE(n.widgets.at("steps").isInt()) << c.file << ": " << g.describeNode(id);
            EXPECT_TRUE(n.widgets.at("scheduler").isString()) << c.file << ": " << g.describeNode(id);
        }

    Environment env;
    env.modelDirs = {corpusModelsDir()};
    env.inputDir = corpusInputDir();
    const auto issues = validateGraph(g, builtins(), &env);
    if (c.validates) {
        EXPECT_TRUE(issues.empty()) << c.file << ":\n" << formatIssues(g, issues);
        return;
    }
    EXPECT_FALSE(issues.empty()) << c.file << " validates now: update the corpus table";
    for (const auto& issue : issues) {
        bool expected = false;
        for (const auto& p : c.problems) expected = expected || issue.message.find(p) != std::string::npos;
        EXPECT_TRUE(expected) << c.file << ": unexpected problem: " << issue.message;
    }
}

INSTANTIATE_TEST_SUITE_P(ComfyUIExamples, Corpus, ::testing::ValuesIn(corpus()),
                         [](const ::testing::TestParamInfo<CorpusCase>& info) {
                             std::string name = info.param.file;
                             for (char& ch : name)
                                 if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                             return name;
                         });

TEST(CorpusLayouts, DefaultTemplateKeepsItsMarkdownNotes) {
    LoadReport report;
    const Graph g = importGraph(readCorpus("workflow_templates__default"), builtins(), report);
    int notes = 0;
    for (const auto& [id, n] : g.nodes())
        if (n.type == "MarkdownNote") {
            ++notes;
            EXPECT_FALSE(n.widgets.at("text").toString().empty());
        }
    EXPECT_EQ(notes, 4);
    EXPECT_EQ(g.node(13)->title, "Note: Image size");
    EXPECT_NE(g.node(13)->widgets.at("text").toString().find("512x512"), std::string::npos);
}

TEST(CorpusLayouts, EarlyBooleanSeedControlImportsUnshifted) {
    LoadReport report;
    const Graph g = importGraph(readCorpus("lora__lora"), builtins(), report);
    const Node* ks = nullptr;
    for (const auto& [id, n] : g.nodes())
        if (n.type == "KSampler") ks = &n;
    ASSERT_NE(ks, nullptr);
    EXPECT_EQ(ks->widgets.at("seed"), Value(int64_t(851616030078638)));
    EXPECT_EQ(ks->controlAfterGenerate.at("seed"), "randomize");
    EXPECT_EQ(ks->widgets.at("steps"), Value(20));
    EXPECT_EQ(ks->widgets.at("cfg"), Value(8.0));
    EXPECT_EQ(ks->widgets.at("sampler_name"), Value("euler"));
    EXPECT_EQ(ks->widgets.at("scheduler"), Value("normal"));
    EXPECT_EQ(ks->widgets.at("denoise"), Value(1.0));
}

TEST(CorpusLayouts, PublishedGroupNodeIsExpanded) {
    LoadReport report;
    const Graph g = importGraph(readCorpus("edit_models__sdxl_edit_model"), builtins(), report);
    EXPECT_EQ(g.node(37), nullptr);  // the workflow/IP2PSampler instance
    const Node* noise = nullptr;
    const Node* scheduler = nullptr;
    const Node* sampler = nullptr;
    for (const auto& [id, n] : g.nodes()) {
        if (n.type == "RandomNoise") noise = &n;
        if (n.type == "BasicScheduler") scheduler = &n;
        if (n.type == "SamplerCustomAdvanced") sampler = &n;
    }
    ASSERT_TRUE(noise && scheduler && sampler);
    // The instance's widget values reach the inner nodes.
    EXPECT_EQ(noise->widgets.at("noise_seed"), Value(int64_t(11652752290163)));
    EXPECT_EQ(scheduler->widgets.at("scheduler"), Value("normal"));
    EXPECT_EQ(scheduler->widgets.at("steps"), Value(20));
    // The instance's output feeds the VAEDecode through the inner sampler.
    ASSERT_NE(g.linkInto(8, "samples"), nullptr);
    EXPECT_EQ(g.linkInto(8, "samples")->fromNode, sampler->id);
    ASSERT_NE(g.linkInto(sampler->id, "noise"), nullptr);
    EXPECT_EQ(g.linkInto(sampler->id, "noise")->fromNode, noise->id);
}

}  // namespace
