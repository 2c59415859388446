// SD2 unCLIP: the ADM vector (ComfyUI's unclip_adm) and the UNet's label_emb, against the numbers of
// tests/fixtures/unclip/make_unclip_fixtures.py.
#include "core/engine/files/safetensors.h"
#include "core/engine/files/weights.h"
#include "core/engine/networks/unet.h"
#include "core/engine/sampling/unclip_adm.h"
#include "tests/support/error_message.h"
#include "tests/support/refdata.h"
#include "tests/support/tensor_compare.h"
#include "tests/support/tiny_unclip.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

using namespace tessera;
using namespace tessera::engine;

namespace {

constexpr int64_t kTinyAdm = 48;

const std::map<std::string, at::Tensor>& unclipReference() {
    static const auto tensors =
        loadAllTensors(test::sourceDir() + "/tests/fixtures/unclip/unclip_reference.safetensors");
    return tensors;
}

at::Tensor reference(const std::string& name) { return unclipReference().at(name); }

Weights tinyUnclipUNetWeights() {
    static const std::string path = test::writeTinyUnclipCheckpoint(test::makeTempDir("unclip-engine"));
    return Weights::fromFile(*SafetensorsFile::open(path), "model.diffusion_model.");
}

}  // namespace

TEST(UnclipAdm, OneImageMatchesComfyUI) {
    // The published unclip example: strength 1, noise_augmentation 0.3, its KSampler seed.
    const at::Tensor adm = unclipAdm({{reference("embeds.a"), 1.0000000000000002, 0.30000000000000016}}, kTinyAdm,
                                     509273045161628);
    EXPECT_MATCHES_REFERENCE(adm, reference("adm.single"));
    EXPECT_EQ(adm.sizes(), (std::vector<int64_t>{1, kTinyAdm}));
}

TEST(UnclipAdm, SeveralImagesAreSummedAndNoisedAgain) {
    // Two conditionings, the second with a batch of two images; seed 5 gives a negative generator seed (-5).
    const at::Tensor adm = unclipAdm({{reference("embeds.a"), 0.5, 0.4000000000000002},
                                      {reference("embeds.b"), 0.5, 0.4000000000000002}},
                                     kTinyAdm, 5);
    EXPECT_MATCHES_REFERENCE(adm, reference("adm.multiple"));
}

TEST(UnclipAdm, FullNoiseAndNegativeStrength) {
    EXPECT_MATCHES_REFERENCE(unclipAdm({{reference("embeds.a"), -1.5, 1.0}}, kTinyAdm, 0), reference("adm.extreme"));
}

TEST(UnclipAdm, NoImageGivesZeros) {
    EXPECT_TRUE(at::equal(unclipAdm({}, kTinyAdm, 3), at::zeros({1, kTinyAdm})));
    EXPECT_TRUE(at::equal(reference("adm.none"), at::zeros({1, kTinyAdm})));
}

TEST(UnclipAdm, EmbeddingOfAnotherWidthIsRefused) {
    const std::string message = test::errorOf([] { unclipAdm({{at::zeros({1, 32}), 1.0, 0.0}}, kTinyAdm, 0); });
    EXPECT_NE(message.find("[1, 32]"), std::string::npos) << message;
    EXPECT_NE(message.find("24 values per image"), std::string::npos) << message;
}

TEST(UnclipAdm, NoiseScalesFollowTheCosineSchedule) {
    const auto [signal0, noise0] = unclipNoiseScales(0);
    EXPECT_NEAR(signal0, 1.0, 1e-4);
    EXPECT_NEAR(noise0, 0.0, 1e-2);
    const auto [signal999, noise999] = unclipNoiseScales(999);
    EXPECT_LT(signal999, 0.05);
    EXPECT_NEAR(noise999, 1.0, 1e-3);
    EXPECT_NE(test::errorOf([] { unclipNoiseScales(1000); }).find("0..999"), std::string::npos);
}

TEST(UnclipUNet, InfersTheAdmWidthFromLabelEmb) {
    const UNet unet(tinyUnclipUNetWeights());
    EXPECT_EQ(unet.config().admInChannels, kTinyAdm);
    EXPECT_NE(unet.config().describe().find("ADM 48"), std::string::npos);
}

TEST(UnclipUNet, LabelEmbeddingIsAddedToTheTimeEmbedding) {
    // ldm: emb = time_embed(t) + label_emb(y). The same UNet without label_emb, whose last time-embedding
    // bias is the reference's bias + label_emb(adm.single), must give the same output.
    const Weights withLabel = tinyUnclipUNetWeights();
    auto plainMap = std::make_shared<Weights::Map>();
    for (const std::string& key : withLabel.keys())
        if (key.rfind("label_emb.", 0) != 0) (*plainMap)[key] = withLabel(key);
    (*plainMap)["time_embed.2.bias"] = reference("time_embed.2.bias.shifted");
    const UNet unclip(withLabel);
    const UNet shifted{Weights(plainMap)};

    at::manual_seed(3);
    const at::Tensor x = at::randn({2, 4, 8, 8});
    const at::Tensor t = at::tensor({500.0f, 20.5f});
    const at::Tensor context = at::randn({1, 77, 64});
    const at::Tensor adm = reference("adm.single");
    const at::Tensor got = unclip.forward(x, t, context, nullptr, adm);
    EXPECT_MATCHES_REFERENCE(got, shifted.forward(x, t, context));
    EXPECT_GT(test::maxAbsDiff(got, unclip.forward(x, t, context, nullptr, at::zeros({1, kTinyAdm}))), 1e-3);
}

TEST(UnclipUNet, MissingOrMisshapenAdmIsAClearError) {
    const UNet unet(tinyUnclipUNetWeights());
    const at::Tensor x = at::zeros({1, 4, 8, 8}), t = at::zeros({1}), context = at::zeros({1, 77, 64});
    const std::string missing = test::errorOf([&] { unet.forward(x, t, context); });
    EXPECT_NE(missing.find("class-conditioned"), std::string::npos) << missing;
    EXPECT_NE(missing.find("[1, 48]"), std::string::npos) << missing;
    const std::string wrong = test::errorOf([&] { unet.forward(x, t, context, nullptr, at::zeros({1, 40})); });
    EXPECT_NE(wrong.find("got [1, 40]"), std::string::npos) << wrong;
}
