#include "core/common/error.h"
#include "core/engine/files/safetensors.h"
#include "core/engine/networks/unet.h"
#include "core/engine/networks/unet_blocks.h"
#include "core/engine/files/weights.h"
#include "tests/support/error_message.h"
#include "tests/support/refdata.h"
#include "tests/support/tensor_compare.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

using namespace tessera;
using namespace tessera::engine;

namespace {

Weights unetWeights(const std::string& model) {
    return Weights::fromFile(*SafetensorsFile::open(test::refdataPath("models/" + model)), "model.diffusion_model.");
}

void expectGolden(const std::string& model, const std::string& caseFile) {
    auto c = test::loadCase(caseFile);
    const UNet unet(unetWeights(model));
    EXPECT_MATCHES_REFERENCE(unet.forward(c.at("x"), c.at("timesteps"), c.at("context")), c.at("out"));
}

using tessera::test::errorOf;

}  // namespace

TEST(UNet, TimestepEmbeddingIsCosThenSinWithFractionalTimesteps) {
    const at::Tensor t = at::tensor({0.0f, 1.5f, 999.0f});
    const at::Tensor e = timestepEmbedding(t, 8);
    ASSERT_EQ(e.sizes(), (std::vector<int64_t>{3, 8}));
    for (int k = 0; k < 4; ++k) {
        const double freq = std::exp(-std::log(10000.0) * k / 4.0);
        EXPECT_NEAR(e[1][k].item<double>(), std::cos(1.5 * freq), 1e-6);
        EXPECT_NEAR(e[1][4 + k].item<double>(), std::sin(1.5 * freq), 1e-6);
        EXPECT_NEAR(e[0][k].item<double>(), 1.0, 1e-7);
    }
}

TEST(UNet, Sd15MatchesGolden) { expectGolden("tiny-sd15.safetensors", "unet-sd15.safetensors"); }

TEST(UNet, Sd2MatchesGolden) { expectGolden("tiny-sd2-v.safetensors", "unet-sd2.safetensors"); }

TEST(UNet, Sd15InpaintingMatchesGolden) {
    expectGolden("tiny-sd15-inpainting.safetensors", "unet-sd15-inpainting.safetensors");
}

TEST(UNet, NonSquareLatentAndFractionalTimestepMatchGolden) {
    expectGolden("tiny-sd15.safetensors", "unet-sd15-odd.safetensors");
}

TEST(UNet, SlicedAttentionGivesTheGoldenResultToo) {
    auto c = test::loadCase("unet-sd15.safetensors");
    UNet unet(unetWeights("tiny-sd15.safetensors"));
    AttentionOptions o;
    o.queryChunk = 5;
    unet.setAttentionOptions(o);
    EXPECT_MATCHES_REFERENCE(unet.forward(c.at("x"), c.at("timesteps"), c.at("context")), c.at("out"));
}

TEST(UNet, OddLatentSizesUpsampleToTheSkipSize) {
    // 5x7 -> 3x4 -> 2x2 in the encoder; the decoder must land on 3x4 and 5x7 again.
    auto c = test::loadCase("unet-sd15.safetensors");
    const UNet unet(unetWeights("tiny-sd15.safetensors"));
    at::manual_seed(3);
    const at::Tensor x = at::randn({1, 4, 5, 7});
    const at::Tensor out = unet.forward(x, at::tensor({10.0f}), c.at("context").narrow(0, 0, 1));
    EXPECT_EQ(out.sizes(), (std::vector<int64_t>{1, 4, 5, 7}));
    EXPECT_TRUE(at::isfinite(out).all().item<bool>());
}

TEST(UNet, BroadcastsOneTimestepAndOneContextOverTheBatch) {
    auto c = test::loadCase("unet-sd15.safetensors");
    const UNet unet(unetWeights("tiny-sd15.safetensors"));
    const at::Tensor t = c.at("timesteps").narrow(0, 0, 1);
    const at::Tensor ctx = c.at("context").narrow(0, 0, 1);
    const at::Tensor x = c.at("x");
    const at::Tensor both = unet.forward(x, t, ctx);
    const at::Tensor second = unet.forward(x.narrow(0, 1, 1), t, ctx);
    EXPECT_TRUE(test::closeToReference(both.narrow(0, 1, 1), second));
}

TEST(UNet, MissingWeightIsNamed) {
    const Weights full = unetWeights("tiny-sd15.safetensors");
    auto map = std::make_shared<Weights::Map>();
    for (const auto& k : full.keys()) (*map)["model.diffusion_model." + k] = full(k);
    map->erase("model.diffusion_model.output_blocks.4.1.transformer_blocks.0.attn2.to_v.weight");
    const Weights w = Weights(map).sub("model.diffusion_model");
    const std::string msg = errorOf([&] { UNet unet(w); });
    EXPECT_NE(msg.find("model.diffusion_model.output_blocks.4.1.transformer_blocks.0.attn2.to_v.weight"),
              std::string::npos)
        << msg;
}

TEST(UNet, FourChannelLatentIntoInpaintingModelIsAClearError) {
    auto c = test::loadCase("unet-sd15.safetensors");
    const UNet unet(unetWeights("tiny-sd15-inpainting.safetensors"));
    const std::string msg = errorOf([&] { unet.forward(c.at("x"), c.at("timesteps"), c.at("context")); });
    EXPECT_NE(msg.find("UNet expects 9 input channels but the latent has 4"), std::string::npos) << msg;
    EXPECT_NE(msg.find("inpainting"), std::string::npos) << msg;
}

TEST(UNet, WrongContextWidthIsAClearError) {
    auto c = test::loadCase("unet-sd15.safetensors");
    const UNet unet(unetWeights("tiny-sd15.safetensors"));
    const std::string msg = errorOf([&] { unet.forward(c.at("x"), c.at("timesteps"), at::zeros({2, 77, 768})); });
    EXPECT_NE(msg.find("context of shape [2, tokens, 64], got [2, 77, 768]"), std::string::npos) << msg;
}

TEST(UNet, WrongTimestepCountIsAClearError) {
    auto c = test::loadCase("unet-sd15.safetensors");
    const UNet unet(unetWeights("tiny-sd15.safetensors"));
    const std::string msg = errorOf([&] { unet.forward(c.at("x"), at::zeros({3}), c.at("context")); });
    EXPECT_NE(msg.find("expected 2 timesteps"), std::string::npos) << msg;
}

TEST(UNet, MisShapedWeightIsAnErrorNotACrash) {
    const Weights full = unetWeights("tiny-sd15.safetensors");
    Weights w = full.detachedCopy();
    w.set("middle_block.0.in_layers.2.weight", at::zeros({64, 32, 3, 3}));
    const UNet unet(w);
    auto c = test::loadCase("unet-sd15.safetensors");
    const std::string msg = errorOf([&] { unet.forward(c.at("x"), c.at("timesteps"), c.at("context")); });
    EXPECT_NE(msg.find("UNet failed"), std::string::npos) << msg;
}
