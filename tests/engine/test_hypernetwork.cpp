// Hypernetworks against tests/fixtures/hypernetwork (make_hypernetwork_fixtures.py: A1111-layout .pt
// files with random weights; reference outputs of ComfyUI's load_hypernetwork_patch semantics on
// refdata's tiny-sd15 UNet, from an independent Python UNet checked against refdata's golden output).
#include "core/engine/files/checkpoint.h"
#include "core/engine/files/safetensors.h"
#include "core/engine/files/tensor_file.h"
#include "core/engine/files/weights.h"
#include "core/engine/networks/unet.h"
#include "core/engine/patches/hypernetwork.h"
#include "core/engine/patches/model_merge.h"
#include "tests/support/error_message.h"
#include "tests/support/refdata.h"
#include "tests/support/tensor_compare.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

using namespace tessera;
using namespace tessera::engine;
using tessera::test::errorOf;

namespace {

std::string hypernetworkFixture(const std::string& name) {
    return test::sourceDir() + "/tests/fixtures/hypernetwork/" + name;
}

at::Tensor expectedHypernetworkTensor(const std::string& name) {
    return SafetensorsFile::open(hypernetworkFixture("expected.safetensors"))->tensor(name, at::kFloat);
}

std::shared_ptr<const DiffusionModel> tinySd15Model() {
    auto model = std::make_shared<DiffusionModel>();
    model->weights = Weights::fromFile(*SafetensorsFile::open(test::refdataPath("models/tiny-sd15.safetensors")),
                                       "model.diffusion_model.");
    model->unet = std::make_shared<const UNet>(model->weights);
    return model;
}

bool hasText(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST(Hypernetwork, ReadsTheA1111DictWithItsSettingsAndComfyUisLayerOrder) {
    const Hypernetwork net = loadHypernetworkFile(hypernetworkFixture("tiny_relu_ln.pt"));
    EXPECT_EQ(net.settings.activation, "relu");
    EXPECT_TRUE(net.settings.layerNorm);
    EXPECT_FALSE(net.settings.activateOutput);
    ASSERT_EQ(net.widths.size(), 3u);
    EXPECT_TRUE(net.widths.count(16) && net.widths.count(32) && net.widths.count(64));
    // Five Linear modules (linear.0, .3, .6, .9, .12), each followed by ReLU and LayerNorm: ComfyUI
    // counts the LayerNorms when it looks for the last layer, so the last Linear gets ReLU too.
    const auto& steps = net.widths.at(64).second.steps;
    ASSERT_EQ(steps.size(), 15u);
    using Kind = HypernetworkMlp::Step::Kind;
    for (size_t i = 0; i < steps.size(); ++i)
        EXPECT_EQ(steps[i].kind, i % 3 == 0 ? Kind::Linear : i % 3 == 1 ? Kind::Activation : Kind::LayerNorm) << i;
    EXPECT_EQ(steps[0].weight.sizes(), (std::vector<int64_t>{32, 64}));
    EXPECT_EQ(steps[12].weight.sizes(), (std::vector<int64_t>{64, 32}));  // linear.12, after linear.9
}

TEST(Hypernetwork, LegacyTorchSaveFormatReadsTheSameLayers) {
    const Hypernetwork zip = loadHypernetworkFile(hypernetworkFixture("tiny_relu_ln.pt"));
    const Hypernetwork legacy = loadHypernetworkFile(hypernetworkFixture("tiny_relu_ln_legacy.pt"));
    ASSERT_EQ(legacy.widths.size(), zip.widths.size());
    for (const auto& [width, mlps] : zip.widths) {
        const auto& other = legacy.widths.at(width);
        ASSERT_EQ(other.second.steps.size(), mlps.second.steps.size());
        for (size_t i = 0; i < mlps.second.steps.size(); ++i)
            if (mlps.second.steps[i].weight.defined()) {
                EXPECT_TRUE(at::equal(other.second.steps[i].weight, mlps.second.steps[i].weight)) << width << " " << i;
            }
    }
}

TEST(Hypernetwork, EveryComfyUiActivationMatchesTheReference) {
    const Hypernetwork net = loadHypernetworkFile(hypernetworkFixture("tiny_relu_ln.pt"));
    const at::Tensor input = expectedHypernetworkTensor("mlp_input");
    for (const char* name : {"relu", "leakyrelu", "elu", "swish", "tanh", "sigmoid", "softsign", "mish"}) {
        HypernetworkMlp mlp = net.widths.at(32).first;
        mlp.activation = name;
        EXPECT_MATCHES_REFERENCE(mlp(input), expectedHypernetworkTensor(std::string("mlp_32_key.") + name)) << name;
    }
}

TEST(Hypernetwork, UNetOutputAtStrength07MatchesTheReferenceAndLeavesTheInputModelAlone) {
    const auto c = test::loadCase("unet-sd15.safetensors");
    const auto model = tinySd15Model();
    const auto patched =
        applyHypernetwork(model, loadHypernetworkFile(hypernetworkFixture("tiny_relu_ln.pt")), 0.7);
    const at::Tensor out = patched->unet->forward(c.at("x"), c.at("timesteps"), c.at("context"));
    EXPECT_MATCHES_REFERENCE(out, expectedHypernetworkTensor("out_strength_0_7"));
    EXPECT_GT(test::maxAbsDiff(out, c.at("out")), 0.05);  // the patch changes the output
    EXPECT_MATCHES_REFERENCE(model->unet->forward(c.at("x"), c.at("timesteps"), c.at("context")), c.at("out"));
}

TEST(Hypernetwork, StaysAppliedWhenAMergeRebuildsTheUNet) {
    // Merges (and LoRAs) rebuild the UNet from new weights; model1's attention patch goes along, as
    // ComfyUI's merged model keeps model1's patches. Merging the model with itself at 0.5 keeps its weights.
    const auto c = test::loadCase("unet-sd15.safetensors");
    const auto model = tinySd15Model();
    const auto patched = applyHypernetwork(model, loadHypernetworkFile(hypernetworkFixture("tiny_relu_ln.pt")), 0.7);
    const auto merged = mergeDiffusionModels(patched, model, uniformMergeRule(mergeRatio(0.5)));
    ASSERT_NE(merged->unet, patched->unet);
    EXPECT_MATCHES_REFERENCE(merged->unet->forward(c.at("x"), c.at("timesteps"), c.at("context")),
                             expectedHypernetworkTensor("out_strength_0_7"));
}

TEST(Hypernetwork, UnsupportedActivationIsRefusedByName) {
    const std::string msg = errorOf([] { loadHypernetworkFile(hypernetworkFixture("unsupported_gelu.pt")); });
    EXPECT_TRUE(hasText(msg, "unsupported_gelu.pt")) << msg;
    EXPECT_TRUE(hasText(msg, "activation function 'gelu' is not supported")) << msg;
    EXPECT_TRUE(hasText(msg, "linear, relu, leakyrelu, elu, swish, tanh, sigmoid, softsign, mish")) << msg;
}

TEST(Hypernetwork, PickleNamingCodeIsRefusedWithoutRunningIt) {
    const std::string marker = "/tmp/tessera_hypernetwork_pwned";
    std::filesystem::remove(marker);
    const std::string msg = errorOf([] { loadHypernetworkFile(hypernetworkFixture("evil_optional_info.pt")); });
    EXPECT_TRUE(hasText(msg, "refused global posix.system in evil_optional_info.pt")) << msg;
    EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST(Hypernetwork, AFileWithoutHypernetworkLayersSaysWhatItLacks) {
    const std::string msg = errorOf([] { loadHypernetworkFile(test::refdataPath("models/tiny-vae.safetensors")); });
    EXPECT_TRUE(hasText(msg, "hypernetwork 'tiny-vae.safetensors' holds no hypernetwork layers")) << msg;
}

TEST(Hypernetwork, AConvertedSafetensorsCopyKeepsItsSettingsAndLayers) {
    // What `tessera convert` writes: the flattened tensor names and the pickle's plain entries as metadata.
    const auto pickled = openTensorFile(hypernetworkFixture("tiny_relu_ln.pt"));
    EXPECT_EQ(pickled->metadata().at("activation_func"), "relu");
    EXPECT_EQ(pickled->metadata().at("is_layer_norm"), "True");
    EXPECT_EQ(pickled->metadata().at("step"), "1000");
    EXPECT_TRUE(pickled->contains("64.1.linear.12.bias"));
    std::map<std::string, at::Tensor> tensors;
    for (const TensorEntry& e : pickled->entries()) tensors[e.name] = pickled->tensor(e.name);
    const std::string copy = test::makeTempDir("hypernetwork") + "/tiny_relu_ln.safetensors";
    writeSafetensors(copy, tensors, pickled->metadata());

    const auto c = test::loadCase("unet-sd15.safetensors");
    const auto patched = applyHypernetwork(tinySd15Model(), loadHypernetworkFile(copy), 0.7);
    EXPECT_MATCHES_REFERENCE(patched->unet->forward(c.at("x"), c.at("timesteps"), c.at("context")),
                             expectedHypernetworkTensor("out_strength_0_7"));
}

TEST(Hypernetwork, OneForAnotherModelFamilyIsRefusedNamingTheWidths) {
    // Width 16 only: no attention layer of tiny-sd15 (32, 64) takes it; ComfyUI would silently change nothing.
    const std::string path = test::makeTempDir("hypernetwork") + "/other_family.safetensors";
    writeSafetensors(path, {{"16.0.linear.0.weight", at::ones({16, 16})}, {"16.0.linear.0.bias", at::zeros({16})},
                            {"16.1.linear.0.weight", at::ones({16, 16})}, {"16.1.linear.0.bias", at::zeros({16})}},
                     {});
    const Hypernetwork net = loadHypernetworkFile(path);
    const std::string msg = errorOf([&] { applyHypernetwork(tinySd15Model(), net, 1.0); });
    EXPECT_TRUE(hasText(msg, "hypernetwork 'other_family.safetensors' has layers for widths 16 but this model's "
                             "attention layers take 32, 64")) << msg;
}
