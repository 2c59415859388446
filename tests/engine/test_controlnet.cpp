#include "core/common/error.h"
#include "core/engine/networks/controlnet.h"
#include "core/engine/files/safetensors.h"
#include "core/engine/networks/unet.h"
#include "core/engine/files/weights.h"
#include "tests/support/refdata.h"
#include "tests/support/tensor_compare.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cstdio>

using namespace tessera;
using namespace tessera::engine;

namespace {

Weights weightsOf(const std::string& model, const std::string& prefix) {
    return Weights::fromFile(*SafetensorsFile::open(test::refdataPath("models/" + model)), prefix);
}

ControlNet tinyControlNet() { return ControlNet(weightsOf("tiny-controlnet-sd15.safetensors", "control_model.")); }

std::string controlKey(size_t i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "control.%02zu", i);
    return buf;
}

}  // namespace

TEST(ControlNet, InfersItsConfiguration) {
    const ControlNet net = tinyControlNet();
    const ControlNetConfig& c = net.config();
    EXPECT_EQ(c.hintChannels, 3);
    EXPECT_EQ(c.hintConvChannels, (std::vector<int>{16, 16, 32, 32, 96, 96, 256, 32}));
    EXPECT_EQ(c.unet.modelChannels, 32);
    EXPECT_EQ(c.unet.channelMult, (std::vector<int>{1, 2, 2}));
    EXPECT_EQ(c.unet.outChannels, 0);
}

TEST(ControlNet, ResidualsMatchGolden) {
    auto c = test::loadCase("controlnet-sd15.safetensors");
    const ControlResiduals r = tinyControlNet().forward(c.at("x"), c.at("hint"), c.at("timesteps"), c.at("context"));
    ASSERT_EQ(r.input.size(), 6u);
    for (size_t i = 0; i < r.input.size(); ++i) {
        SCOPED_TRACE(controlKey(i));
        EXPECT_MATCHES_REFERENCE(r.input[i], c.at(controlKey(i)));
    }
    EXPECT_MATCHES_REFERENCE(r.middle, c.at(controlKey(6)));
    EXPECT_FALSE(c.count(controlKey(7)));
}

TEST(ControlNet, UNetWithScaledControlMatchesGolden) {
    auto c = test::loadCase("controlnet-sd15.safetensors");
    const ControlResiduals r = tinyControlNet().forward(c.at("x"), c.at("hint"), c.at("timesteps"), c.at("context"));
    const UNet unet(weightsOf("tiny-sd15.safetensors", "model.diffusion_model."));
    const ControlResiduals scaled = r.scaled(0.8f);
    const at::Tensor out = unet.forward(c.at("x"), c.at("timesteps"), c.at("context"), &scaled);
    EXPECT_MATCHES_REFERENCE(out, c.at("unet_out_with_control"));
    // Without control the output differs: the residuals really were applied.
    const at::Tensor plain = unet.forward(c.at("x"), c.at("timesteps"), c.at("context"));
    EXPECT_FALSE(test::closeToReference(plain, c.at("unet_out_with_control")));
}

TEST(ControlNet, PrecomputedHintEmbeddingGivesTheSameResiduals) {
    auto c = test::loadCase("controlnet-sd15.safetensors");
    const ControlNet net = tinyControlNet();
    const at::Tensor hint = net.encodeHint(c.at("hint"));
    EXPECT_EQ(hint.sizes(), (std::vector<int64_t>{1, 32, 8, 8}));
    const ControlResiduals r = net.forwardEncoded(c.at("x"), hint, c.at("timesteps"), c.at("context"));
    EXPECT_MATCHES_REFERENCE(r.input[0], c.at("control.00"));
    EXPECT_MATCHES_REFERENCE(r.middle, c.at("control.06"));
}

TEST(ControlNet, ScaledMultipliesEveryResidual) {
    ControlResiduals r;
    r.input = {at::ones({1, 2, 2, 2}), at::Tensor(), at::full({1, 2, 1, 1}, 3.0)};
    r.middle = at::full({1, 2, 1, 1}, -2.0);
    const ControlResiduals s = r.scaled(0.5f);
    EXPECT_DOUBLE_EQ(s.input[0].sum().item<double>(), 4.0);
    EXPECT_FALSE(s.input[1].defined());
    EXPECT_DOUBLE_EQ(s.input[2].sum().item<double>(), 3.0);
    EXPECT_DOUBLE_EQ(s.middle.sum().item<double>(), -2.0);
}

TEST(ControlNet, HintOfTheWrongSizeIsAClearError) {
    auto c = test::loadCase("controlnet-sd15.safetensors");
    const ControlNet net = tinyControlNet();
    try {
        net.forward(c.at("x"), at::zeros({1, 3, 32, 32}), c.at("timesteps"), c.at("context"));
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("the hint image must be 8x the latent's size (64x64)"), std::string::npos)
            << e.what();
    }
}

TEST(ControlNet, ResidualCountMismatchIsAClearError) {
    auto c = test::loadCase("controlnet-sd15.safetensors");
    const UNet unet(weightsOf("tiny-sd15.safetensors", "model.diffusion_model."));
    ControlResiduals r;
    r.input = {at::zeros({2, 32, 8, 8})};
    try {
        unet.forward(c.at("x"), c.at("timesteps"), c.at("context"), &r);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("ControlNet gives 1 residuals but the UNet has 6 input blocks"),
                  std::string::npos)
            << e.what();
    }
}
