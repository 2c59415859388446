#include "core/common/error.h"
#include "core/engine/patches/lora.h"
#include "core/engine/patches/lora_keys.h"
#include "core/engine/files/safetensors.h"
#include "core/engine/files/weights.h"
#include "tests/support/error_message.h"
#include "tests/support/refdata.h"
#include "tests/support/tensor_compare.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <set>

using namespace tessera;
using namespace tessera::engine;
using tessera::test::errorOf;

namespace {

enum class Style { Kohya, Peft, TransformersText, DiffusersProcessor };

struct Module {
    std::string name;  // module name as the LoRA file spells it
    Style style = Style::Kohya;
    at::Tensor up, down;
    std::optional<double> alpha;
};

void writeLora(const std::string& path, const std::vector<Module>& modules) {
    std::map<std::string, at::Tensor> tensors;
    for (const auto& m : modules) {
        std::string up, down;
        switch (m.style) {
            case Style::Kohya: up = ".lora_up.weight", down = ".lora_down.weight"; break;
            case Style::Peft: up = ".lora_B.weight", down = ".lora_A.weight"; break;
            case Style::TransformersText: up = ".lora_linear_layer.up.weight", down = ".lora_linear_layer.down.weight"; break;
            case Style::DiffusersProcessor: up = "_lora.up.weight", down = "_lora.down.weight"; break;
        }
        tensors[m.name + up] = m.up;
        tensors[m.name + down] = m.down;
        if (m.alpha) tensors[m.name + ".alpha"] = at::scalar_tensor(*m.alpha, at::kFloat);
    }
    writeSafetensors(path, tensors);
}

// The targets of the main test: a 1x1 conv proj_in, an attention to_q, a 3x3 ResBlock conv,
// a text q_proj and a text fc1 of tiny-sd15, with the names each LoRA convention gives them.
struct Target {
    std::string weightKey;  // relative to the network
    bool text;
    std::vector<int64_t> up, down;
    std::string kohya, diffusers;
    Style diffusersStyle;
};

const std::vector<Target>& sd15Targets() {
    static const std::vector<Target> targets{
        {"input_blocks.1.1.proj_in.weight", false, {32, 4, 1, 1}, {4, 32, 1, 1}, "lora_unet_input_blocks_1_1_proj_in",
         "lora_unet_down_blocks_0_attentions_0_proj_in", Style::Kohya},
        {"input_blocks.1.1.transformer_blocks.0.attn1.to_q.weight", false, {32, 4}, {4, 32},
         "lora_unet_input_blocks_1_1_transformer_blocks_0_attn1_to_q",
         "unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q", Style::Peft},
        {"input_blocks.1.0.in_layers.2.weight", false, {32, 4, 1, 1}, {4, 32, 3, 3},
         "lora_unet_input_blocks_1_0_in_layers_2", "lora_unet_down_blocks_0_resnets_0_conv1", Style::Kohya},
        {"encoder.layers.0.self_attn.q_proj.weight", true, {64, 4}, {4, 64},
         "lora_te_text_model_encoder_layers_0_self_attn_q_proj",
         "text_encoder.text_model.encoder.layers.0.self_attn.q_proj", Style::Peft},
        {"encoder.layers.1.mlp.fc1.weight", true, {256, 4}, {4, 64}, "lora_te_text_model_encoder_layers_1_mlp_fc1",
         "text_encoder.text_model.encoder.layers.1.mlp.fc1", Style::TransformersText},
    };
    return targets;
}

at::Tensor randomMatrix(at::IntArrayRef shape) { return at::randn(shape) * 0.3; }

// W + strength * (alpha/rank) * up @ down, in float64.
at::Tensor expectedPatch(const at::Tensor& w, const at::Tensor& up, const at::Tensor& down, double strength,
                         double alpha) {
    const double scale = strength * alpha / static_cast<double>(down.size(0));
    return w.to(at::kDouble) +
           scale * at::mm(up.flatten(1).to(at::kDouble), down.flatten(1).to(at::kDouble)).reshape(w.sizes());
}

using tessera::test::maxAbsDiff;

class Lora : public ::testing::Test {
protected:
    void SetUp() override {
        at::manual_seed(1234);
        dir = test::makeTempDir("lora");
    }
    void TearDown() override { std::filesystem::remove_all(dir); }

    static std::shared_ptr<SafetensorsFile> sd15() {
        return SafetensorsFile::open(test::refdataPath("models/tiny-sd15.safetensors"));
    }

    // One module per sd15 target, named by kohya or by the diffusers-style convention.
    std::vector<Module> sd15Modules(bool diffusersNames) {
        std::vector<Module> out;
        for (const auto& t : sd15Targets())
            out.push_back({diffusersNames ? t.diffusers : t.kohya, diffusersNames ? t.diffusersStyle : Style::Kohya,
                           randomMatrix(t.up), randomMatrix(t.down), 2.0});
        return out;
    }

    std::string dir;
};

// Every weight of `after` that is not in `changed` is the very tensor of `before`.
void expectUntouchedExcept(const Weights& before, const Weights& after, const std::set<std::string>& changed) {
    for (const auto& key : before.keys()) {
        if (changed.count(key)) continue;
        EXPECT_TRUE(at::equal(before(key), after(key))) << key;
        EXPECT_TRUE(before(key).is_same(after(key))) << key;
    }
}

}  // namespace

TEST_F(Lora, KohyaNamesPatchExactlyTheTargetedWeights) {
    auto file = sd15();
    Weights unet = Weights::fromFile(*file, "model.diffusion_model.");
    Weights text = Weights::fromFile(*file, "cond_stage_model.transformer.text_model.");
    const Weights unet0 = unet, text0 = text;
    const auto modules = sd15Modules(false);
    writeLora(dir + "/style.safetensors", modules);

    LoraFile lora = loadLora(dir + "/style.safetensors", unet, text, TextNaming::HuggingFace);
    EXPECT_TRUE(lora.unknownKeys.empty());
    ASSERT_EQ(lora.unetPatches.size(), 3u);
    ASSERT_EQ(lora.textPatches.size(), 2u);
    EXPECT_EQ(lora.familyGuess, "unknown");  // tiny widths belong to no real family

    applyLora(unet, text, lora, 0.7, 0.3);
    std::set<std::string> unetChanged, textChanged;
    for (size_t i = 0; i < modules.size(); ++i) {
        const Target& t = sd15Targets()[i];
        const Weights& before = t.text ? text0 : unet0;
        const Weights& after = t.text ? text : unet;
        (t.text ? textChanged : unetChanged).insert(t.weightKey);
        const at::Tensor want = expectedPatch(before(t.weightKey), modules[i].up, modules[i].down, t.text ? 0.3 : 0.7, 2.0);
        EXPECT_EQ(after(t.weightKey).scalar_type(), at::kFloat);
        EXPECT_LT(maxAbsDiff(after(t.weightKey), want), 1e-6) << t.weightKey;
        EXPECT_GT(maxAbsDiff(after(t.weightKey), before(t.weightKey)), 1e-3) << t.weightKey;
        const std::string full = (t.text ? "cond_stage_model.transformer.text_model." : "model.diffusion_model.") + t.weightKey;
        EXPECT_TRUE(at::equal(before(t.weightKey), file->tensor(full, at::kFloat))) << "original modified: " << full;
    }
    expectUntouchedExcept(unet0, unet, unetChanged);
    expectUntouchedExcept(text0, text, textChanged);
}

TEST_F(Lora, DiffusersAndPeftNamesPatchTheSameWeights) {
    auto file = sd15();
    const Weights unet0 = Weights::fromFile(*file, "model.diffusion_model.");
    const Weights text0 = Weights::fromFile(*file, "cond_stage_model.transformer.text_model.");
    auto kohya = sd15Modules(false);
    auto diffusers = sd15Modules(true);
    for (size_t i = 0; i < kohya.size(); ++i) diffusers[i].up = kohya[i].up, diffusers[i].down = kohya[i].down;
    writeLora(dir + "/kohya.safetensors", kohya);
    writeLora(dir + "/diffusers.safetensors", diffusers);

    // Full checkpoint keys work as well as keys relative to the network.
    std::vector<std::string> unetKeys, textKeys;
    for (const auto& e : file->entries()) {
        if (e.name.rfind("model.diffusion_model.", 0) == 0) unetKeys.push_back(e.name);
        if (e.name.rfind("cond_stage_model.", 0) == 0) textKeys.push_back(e.name);
    }
    LoraFile a = loadLora(dir + "/kohya.safetensors", unet0.keys(), text0.keys(), TextNaming::HuggingFace);
    LoraFile b = loadLora(dir + "/diffusers.safetensors", unetKeys, textKeys, TextNaming::HuggingFace);
    EXPECT_TRUE(b.unknownKeys.empty()) << b.unknownKeys.front();
    std::set<std::string> targetsA, targetsB;
    for (const auto* l : {&a, &b})
        for (const auto* patches : {&l->unetPatches, &l->textPatches})
            for (const auto& p : *patches) (l == &a ? targetsA : targetsB).insert(p.target);
    EXPECT_EQ(targetsA, targetsB);
    EXPECT_TRUE(targetsA.count("model.diffusion_model.input_blocks.1.0.in_layers.2.weight"));
    EXPECT_TRUE(targetsA.count("cond_stage_model.transformer.text_model.encoder.layers.1.mlp.fc1.weight"));

    Weights ua = unet0, ta = text0, ub = unet0, tb = text0;
    applyLora(ua, ta, a, 0.7, 0.3);
    applyLora(ub, tb, b, 0.7, 0.3);
    for (const auto& t : sd15Targets()) {
        const Weights& wa = t.text ? ta : ua;
        const Weights& wb = t.text ? tb : ub;
        EXPECT_TRUE(at::equal(wa(t.weightKey), wb(t.weightKey))) << t.weightKey;
        EXPECT_FALSE(at::equal(wa(t.weightKey), (t.text ? text0 : unet0)(t.weightKey))) << t.weightKey;
    }
}

TEST_F(Lora, DiffusersUnetNamesFollowComfyUiBlockLayout) {
    auto sd15Map = loraKeyMap(Weights::fromFile(*sd15(), "model.diffusion_model.").keys(), {}, TextNaming::HuggingFace);
    // Expected values from ComfyUI's unet_to_diffusers for num_res_blocks 1, channel_mult 1,2,2.
    const std::pair<const char*, const char*> sd15Expect[] = {
        {"lora_unet_down_blocks_0_downsamplers_0_conv", "input_blocks.2.0.op.weight"},
        {"lora_unet_down_blocks_1_resnets_0_conv_shortcut", "input_blocks.3.0.skip_connection.weight"},
        {"lora_unet_down_blocks_2_resnets_0_conv1", "input_blocks.5.0.in_layers.2.weight"},
        {"lora_unet_mid_block_resnets_1_conv2", "middle_block.2.out_layers.3.weight"},
        {"lora_unet_mid_block_attentions_0_transformer_blocks_0_ff_net_2",
         "middle_block.1.transformer_blocks.0.ff.net.2.weight"},
        {"lora_unet_up_blocks_0_resnets_1_conv_shortcut", "output_blocks.1.0.skip_connection.weight"},
        {"lora_unet_up_blocks_0_upsamplers_0_conv", "output_blocks.1.1.conv.weight"},
        {"lora_unet_up_blocks_1_attentions_1_proj_in", "output_blocks.3.1.proj_in.weight"},
        {"lora_unet_up_blocks_1_upsamplers_0_conv", "output_blocks.3.2.conv.weight"},
        {"lora_unet_up_blocks_2_attentions_1_transformer_blocks_0_attn2_to_k",
         "output_blocks.5.1.transformer_blocks.0.attn2.to_k.weight"},
        {"lora_unet_conv_in", "input_blocks.0.0.weight"},
        {"lora_unet_time_embedding_linear_2", "time_embed.2.weight"},
        {"unet.up_blocks.2.attentions.0.transformer_blocks.0.attn1.processor.to_out",
         "output_blocks.4.1.transformer_blocks.0.attn1.to_out.0.weight"},
        {"up_blocks.2.attentions.0.transformer_blocks.0.attn1.to_out.0",
         "output_blocks.4.1.transformer_blocks.0.attn1.to_out.0.weight"},
        {"lora_unet_output_blocks_3_2_conv", "output_blocks.3.2.conv.weight"},
    };
    for (const auto& [name, key] : sd15Expect) {
        auto it = sd15Map.find(name);
        ASSERT_NE(it, sd15Map.end()) << name;
        EXPECT_EQ(it->second.key, std::string("model.diffusion_model.") + key) << name;
        EXPECT_FALSE(it->second.text);
    }
    // Names of blocks the model does not have resolve to nothing.
    for (const char* name : {"lora_unet_up_blocks_2_upsamplers_0_conv", "lora_unet_down_blocks_2_attentions_0_proj_in",
                             "lora_unet_up_blocks_0_attentions_0_proj_in", "lora_unet_down_blocks_3_resnets_0_conv1"})
        EXPECT_EQ(sd15Map.count(name), 0u) << name;

    // tiny-sd2-v: two levels, attention everywhere, so the upsampler is the block's third layer.
    auto sd2 = SafetensorsFile::open(test::refdataPath("models/tiny-sd2-v.safetensors"));
    auto sd2Map = loraKeyMap(Weights::fromFile(*sd2, "model.diffusion_model.").keys(), {}, TextNaming::OpenClip);
    EXPECT_EQ(sd2Map.at("lora_unet_up_blocks_0_upsamplers_0_conv").key,
              "model.diffusion_model.output_blocks.1.2.conv.weight");
    EXPECT_EQ(sd2Map.at("lora_unet_up_blocks_1_attentions_1_proj_out").key,
              "model.diffusion_model.output_blocks.3.1.proj_out.weight");
}

TEST_F(Lora, UnknownModulesAreReportedNotDropped) {
    auto file = sd15();
    Weights unet = Weights::fromFile(*file, "model.diffusion_model.");
    Weights text = Weights::fromFile(*file, "cond_stage_model.transformer.text_model.");
    auto modules = sd15Modules(false);
    modules.push_back({"lora_unet_input_blocks_7_1_proj_in", Style::Kohya, randomMatrix({32, 4}), randomMatrix({4, 32}), 2.0});
    writeLora(dir + "/a.safetensors", modules);
    auto tensors = loadAllTensors(dir + "/a.safetensors");
    tensors["lora_unet_input_blocks_1_1_proj_out.hada_w1_a"] = at::zeros({32, 4});  // LoHa: not supported
    writeSafetensors(dir + "/b.safetensors", tensors);

    LoraFile lora = loadLora(dir + "/b.safetensors", unet, text, TextNaming::HuggingFace);
    EXPECT_EQ(lora.unetPatches.size(), 3u);
    EXPECT_EQ(lora.textPatches.size(), 2u);
    ASSERT_EQ(lora.unknownKeys.size(), 2u);
    ASSERT_EQ(lora.unknownNotes.size(), 2u);
    const std::set<std::string> unknown(lora.unknownKeys.begin(), lora.unknownKeys.end());
    EXPECT_TRUE(unknown.count("lora_unet_input_blocks_7_1_proj_in"));
    EXPECT_TRUE(unknown.count("lora_unet_input_blocks_1_1_proj_out.hada_w1_a"));
    for (size_t i = 0; i < lora.unknownKeys.size(); ++i) {
        const std::string expect = lora.unknownKeys[i].find("hada") != std::string::npos ? "LoHa" : "no weight of this model";
        EXPECT_NE(lora.unknownNotes[i].find(expect), std::string::npos) << lora.unknownNotes[i];
    }
}

TEST_F(Lora, ShapeMismatchNamesFileKeyShapesAndFamily) {
    auto file = sd15();
    Weights unet = Weights::fromFile(*file, "model.diffusion_model.");
    Weights text = Weights::fromFile(*file, "cond_stage_model.transformer.text_model.");
    const Weights unet0 = unet;
    // An SD2-sized LoRA: proj_in is linear there, and cross-attention reads a 1024-wide context.
    writeLora(dir + "/sd2-style.safetensors",
              {{"lora_unet_input_blocks_1_1_proj_in", Style::Kohya, randomMatrix({320, 4}), randomMatrix({4, 320}), 4.0},
               {"lora_unet_input_blocks_1_1_transformer_blocks_0_attn2_to_k", Style::Kohya, randomMatrix({320, 4}),
                randomMatrix({4, 1024}), 4.0}});

    LoraFile lora = loadLora(dir + "/sd2-style.safetensors", unet.keys(), text.keys(), TextNaming::HuggingFace);
    EXPECT_EQ(lora.familyGuess, "SD2");
    const std::string msg = errorOf([&] { applyLora(unet, text, lora, 1.0, 1.0); });
    EXPECT_NE(msg.find("sd2-style.safetensors"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'lora_unet_input_blocks_1_1_proj_in'"), std::string::npos) << msg;  // the first module
    EXPECT_NE(msg.find("model.diffusion_model.input_blocks.1.1.proj_in.weight"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[32, 32, 1, 1]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[320, 320]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("another model family"), std::string::npos) << msg;
    EXPECT_NE(msg.find("SD2"), std::string::npos) << msg;
    EXPECT_TRUE(unet("input_blocks.1.1.proj_in.weight").is_same(unet0("input_blocks.1.1.proj_in.weight")));

    // Loading against the weights checks the shapes right away.
    const std::string early =
        errorOf([&] { loadLora(dir + "/sd2-style.safetensors", unet, text, TextNaming::HuggingFace); });
    EXPECT_EQ(early, msg);
}

TEST_F(Lora, LoraForAnotherArchitectureEntirelyIsAnError) {
    auto file = sd15();
    Weights unet = Weights::fromFile(*file, "model.diffusion_model.");
    Weights text = Weights::fromFile(*file, "cond_stage_model.transformer.text_model.");
    writeLora(dir + "/xl.safetensors",
              {{"lora_unet_input_blocks_7_1_transformer_blocks_9_attn1_to_q", Style::Kohya, randomMatrix({8, 4}),
                randomMatrix({4, 8}), 1.0},
               {"lora_te2_text_model_encoder_layers_0_self_attn_q_proj", Style::Kohya, randomMatrix({8, 4}),
                randomMatrix({4, 8}), 1.0}});
    const std::string msg = errorOf([&] { loadLora(dir + "/xl.safetensors", unet, text, TextNaming::HuggingFace); });
    EXPECT_NE(msg.find("xl.safetensors"), std::string::npos) << msg;
    EXPECT_NE(msg.find("none of its 2 modules"), std::string::npos) << msg;
    EXPECT_NE(msg.find("SDXL"), std::string::npos) << msg;

    writeSafetensors(dir + "/broken.safetensors", {{"lora_unet_input_blocks_1_1_proj_in.lora_up.weight", at::zeros({32, 4})}});
    const std::string broken =
        errorOf([&] { loadLora(dir + "/broken.safetensors", unet, text, TextNaming::HuggingFace); });
    EXPECT_NE(broken.find("damaged"), std::string::npos) << broken;
    EXPECT_NE(broken.find("no down matrix"), std::string::npos) << broken;
}

TEST_F(Lora, OpenClipFusedQkvGetsOnlyItsThird) {
    auto file = SafetensorsFile::open(test::refdataPath("models/tiny-sd2-v.safetensors"));
    Weights unet = Weights::fromFile(*file, "model.diffusion_model.");
    Weights text = Weights::fromFile(*file, "cond_stage_model.model.");
    const Weights text0 = text;
    const Module q{"lora_te_text_model_encoder_layers_0_self_attn_q_proj", Style::Kohya, randomMatrix({64, 4}),
                   randomMatrix({4, 64}), 2.0};
    const Module v{"text_encoder.text_model.encoder.layers.1.self_attn.v_proj", Style::Peft, randomMatrix({64, 4}),
                   randomMatrix({4, 64}), std::nullopt};
    const Module fc1{"lora_te_text_model_encoder_layers_2_mlp_fc1", Style::Kohya, randomMatrix({256, 4}),
                     randomMatrix({4, 64}), 2.0};
    const Module out{"lora_te_text_model_encoder_layers_2_self_attn_out_proj", Style::Kohya, randomMatrix({64, 4}),
                     randomMatrix({4, 64}), 2.0};
    writeLora(dir + "/sd2.safetensors", {q, v, fc1, out});

    LoraFile lora = loadLora(dir + "/sd2.safetensors", unet, text, TextNaming::OpenClip);
    ASSERT_EQ(lora.textPatches.size(), 4u);
    EXPECT_TRUE(lora.unknownKeys.empty());
    applyLora(unet, text, lora, 1.0, 0.5);

    const std::string in0 = "transformer.resblocks.0.attn.in_proj_weight";
    const at::Tensor w0 = text0(in0), p0 = text(in0);
    EXPECT_LT(maxAbsDiff(p0.slice(0, 0, 64), expectedPatch(w0.slice(0, 0, 64), q.up, q.down, 0.5, 2.0)), 1e-6);
    EXPECT_TRUE(at::equal(p0.slice(0, 64, 192), w0.slice(0, 64, 192)));
    EXPECT_GT(maxAbsDiff(p0.slice(0, 0, 64), w0.slice(0, 0, 64)), 1e-3);

    const std::string in1 = "transformer.resblocks.1.attn.in_proj_weight";
    const at::Tensor w1 = text0(in1), p1 = text(in1);
    EXPECT_TRUE(at::equal(p1.slice(0, 0, 128), w1.slice(0, 0, 128)));
    // PEFT without alpha: scale 1 (alpha = rank).
    EXPECT_LT(maxAbsDiff(p1.slice(0, 128, 192), expectedPatch(w1.slice(0, 128, 192), v.up, v.down, 0.5, 4.0)), 1e-6);

    EXPECT_LT(maxAbsDiff(text("transformer.resblocks.2.mlp.c_fc.weight"),
                      expectedPatch(text0("transformer.resblocks.2.mlp.c_fc.weight"), fc1.up, fc1.down, 0.5, 2.0)),
              1e-6);
    EXPECT_LT(maxAbsDiff(text("transformer.resblocks.2.attn.out_proj.weight"),
                      expectedPatch(text0("transformer.resblocks.2.attn.out_proj.weight"), out.up, out.down, 0.5, 2.0)),
              1e-6);
    expectUntouchedExcept(text0, text,
                          {in0, in1, "transformer.resblocks.2.mlp.c_fc.weight", "transformer.resblocks.2.attn.out_proj.weight"});
}

TEST_F(Lora, OriginalWeightsStayUnchanged) {
    auto file = sd15();
    // bfloat16 weights, as the CPU's fast path holds them: the patch is stored in the weight's dtype.
    // (A CPU float16 weight is float32 kept in 16 bits, patched into float32: test_weight_storage.cpp.)
    Weights unet = Weights::fromFile(*file, "model.diffusion_model.", at::kBFloat16);
    Weights text = Weights::fromFile(*file, "cond_stage_model.transformer.text_model.", at::kBFloat16);
    const Weights sharedUnet = unet, sharedText = text;  // another user of the same checkpoint
    writeLora(dir + "/a.safetensors", sd15Modules(false));
    LoraFile lora = loadLora(dir + "/a.safetensors", unet, text, TextNaming::HuggingFace);
    applyLora(unet, text, lora, 1.0, 1.0);

    for (const auto& t : sd15Targets()) {
        const Weights& shared = t.text ? sharedText : sharedUnet;
        const Weights& patched = t.text ? text : unet;
        const std::string full = (t.text ? "cond_stage_model.transformer.text_model." : "model.diffusion_model.") + t.weightKey;
        EXPECT_TRUE(at::equal(shared(t.weightKey), file->tensor(full).to(at::kBFloat16))) << t.weightKey;  // as loaded
        EXPECT_EQ(patched(t.weightKey).scalar_type(), at::kBFloat16);
        EXPECT_FALSE(at::equal(patched(t.weightKey), shared(t.weightKey))) << t.weightKey;
    }
}

TEST_F(Lora, MissingAlphaMeansScaleOne) {
    auto file = sd15();
    Weights unet = Weights::fromFile(*file, "model.diffusion_model.");
    Weights text = Weights::fromFile(*file, "cond_stage_model.transformer.text_model.");
    const Weights unet0 = unet;
    const Module m{"lora_unet_middle_block_1_transformer_blocks_0_ff_net_2", Style::Kohya, randomMatrix({64, 4}),
                   randomMatrix({4, 256}), std::nullopt};
    writeLora(dir + "/noalpha.safetensors", {m});
    LoraFile lora = loadLora(dir + "/noalpha.safetensors", unet, text, TextNaming::HuggingFace);
    ASSERT_EQ(lora.unetPatches.size(), 1u);
    EXPECT_EQ(lora.unetPatches[0].alpha, 4.0);
    EXPECT_EQ(lora.unetPatches[0].scale(), 1.0);
    applyLora(unet, text, lora, 0.8, 1.0);
    const std::string key = "middle_block.1.transformer_blocks.0.ff.net.2.weight";
    EXPECT_LT(maxAbsDiff(unet(key), expectedPatch(unet0(key), m.up, m.down, 0.8, 4.0)), 1e-6);
}

TEST_F(Lora, LoconMidIsTheComposedConvolution) {
    auto file = sd15();
    Weights unet = Weights::fromFile(*file, "model.diffusion_model.");
    Weights text = Weights::fromFile(*file, "cond_stage_model.transformer.text_model.");
    const Weights unet0 = unet;
    const at::Tensor up = randomMatrix({64, 4, 1, 1}), down = randomMatrix({4, 32, 1, 1}), mid = randomMatrix({4, 4, 3, 3});
    writeSafetensors(dir + "/locon.safetensors", {{"lora_unet_input_blocks_3_0_in_layers_2.lora_up.weight", up},
                                                  {"lora_unet_input_blocks_3_0_in_layers_2.lora_down.weight", down},
                                                  {"lora_unet_input_blocks_3_0_in_layers_2.lora_mid.weight", mid},
                                                  {"lora_unet_input_blocks_3_0_in_layers_2.alpha", at::scalar_tensor(1.0)}});
    LoraFile lora = loadLora(dir + "/locon.safetensors", unet, text, TextNaming::HuggingFace);
    applyLora(unet, text, lora, 1.0, 1.0);
    // down (1x1), then mid (3x3), then up (1x1) as one 3x3 kernel.
    const at::Tensor kernel = at::einsum("or,rskl,si->oikl", {up.flatten(1).to(at::kDouble), mid.to(at::kDouble),
                                                               down.flatten(1).to(at::kDouble)});
    const std::string key = "input_blocks.3.0.in_layers.2.weight";
    EXPECT_LT(maxAbsDiff(unet(key), unet0(key).to(at::kDouble) + 0.25 * kernel), 1e-6);
}
