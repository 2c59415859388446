#include "core/common/error.h"
#include "core/engine/files/safetensors.h"
#include "core/engine/networks/unet.h"
#include "core/engine/networks/unet_config.h"
#include "core/engine/networks/unet_layout.h"
#include "core/engine/files/weights.h"
#include "tests/support/refdata.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

using namespace tessera;
using namespace tessera::engine;

namespace {

Weights modelWeights(const std::string& file, const std::string& prefix = "model.diffusion_model.") {
    return Weights::fromFile(*SafetensorsFile::open(test::refdataPath("models/" + file)), prefix);
}

// Tensors with the given shapes that occupy one float each (stride-0 views).
Weights shapeOnlyWeights(const ParameterShapes& shapes) {
    auto map = std::make_shared<Weights::Map>();
    const at::Tensor one = at::zeros({1});
    for (const auto& [name, shape] : shapes) (*map)[name] = one.reshape(std::vector<int64_t>(shape.size(), 1)).expand(shape);
    return Weights(map);
}

std::vector<int64_t> shapeOf(const ParameterShapes& s, const std::string& key) {
    auto it = s.find(key);
    return it == s.end() ? std::vector<int64_t>{} : it->second;
}

UNetConfig sd15Config() { return UNetConfig{}; }  // the defaults are SD1.5's

UNetConfig sd21() {
    UNetConfig c;
    c.contextDim = 1024;
    c.linearProjection = true;
    c.numHeads = -1;
    c.numHeadChannels = 64;
    return c;
}

}  // namespace

TEST(UNetConfig, InfersTinySd15) {
    const UNetConfig c = UNetConfig::infer(modelWeights("tiny-sd15.safetensors"));
    EXPECT_EQ(c.inChannels, 4);
    EXPECT_EQ(c.outChannels, 4);
    EXPECT_EQ(c.modelChannels, 32);
    EXPECT_EQ(c.channelMult, (std::vector<int>{1, 2, 2}));
    EXPECT_EQ(c.numResBlocks, 1);
    EXPECT_EQ(c.attentionLevels, (std::vector<int>{0, 1}));
    EXPECT_EQ(c.transformerDepth, 1);
    EXPECT_EQ(c.contextDim, 64);
    EXPECT_FALSE(c.linearProjection);
    EXPECT_EQ(c.headsFor(64), 8);
}

TEST(UNetConfig, InfersTinySd2WithLinearProjectionAnd64ChannelHeads) {
    const UNetConfig c = UNetConfig::infer(modelWeights("tiny-sd2-v.safetensors"));
    EXPECT_EQ(c.modelChannels, 64);
    EXPECT_EQ(c.channelMult, (std::vector<int>{1, 2}));
    EXPECT_EQ(c.attentionLevels, (std::vector<int>{0, 1}));
    EXPECT_TRUE(c.linearProjection);
    EXPECT_EQ(c.numHeadChannels, 64);
    EXPECT_EQ(c.headsFor(64), 1);
    EXPECT_EQ(c.headsFor(128), 2);
}

TEST(UNetConfig, InfersInpaintingInputChannels) {
    EXPECT_EQ(UNetConfig::infer(modelWeights("tiny-sd15-inpainting.safetensors")).inChannels, 9);
}

TEST(UNetConfig, LayoutHasTheRealSd15CheckpointShapes) {
    // Facts about the published SD1.5 checkpoint (v1-5-pruned): 686 UNet tensors.
    const ParameterShapes s = unetParameterShapes(sd15Config());
    EXPECT_EQ(s.size(), 686u);
    EXPECT_EQ(shapeOf(s, "time_embed.0.weight"), (std::vector<int64_t>{1280, 320}));
    EXPECT_EQ(shapeOf(s, "input_blocks.4.0.skip_connection.weight"), (std::vector<int64_t>{640, 320, 1, 1}));
    EXPECT_EQ(shapeOf(s, "input_blocks.1.1.proj_in.weight"), (std::vector<int64_t>{320, 320, 1, 1}));
    EXPECT_EQ(shapeOf(s, "input_blocks.1.1.transformer_blocks.0.ff.net.0.proj.weight"), (std::vector<int64_t>{2560, 320}));
    EXPECT_EQ(shapeOf(s, "input_blocks.11.0.in_layers.2.weight"), (std::vector<int64_t>{1280, 1280, 3, 3}));
    EXPECT_EQ(shapeOf(s, "middle_block.1.transformer_blocks.0.attn2.to_k.weight"), (std::vector<int64_t>{1280, 768}));
    EXPECT_EQ(shapeOf(s, "output_blocks.2.1.conv.weight"), (std::vector<int64_t>{1280, 1280, 3, 3}));
    EXPECT_EQ(shapeOf(s, "output_blocks.3.0.skip_connection.weight"), (std::vector<int64_t>{1280, 2560, 1, 1}));
    EXPECT_EQ(shapeOf(s, "output_blocks.5.2.conv.weight"), (std::vector<int64_t>{1280, 1280, 3, 3}));
    EXPECT_EQ(shapeOf(s, "output_blocks.8.2.conv.weight"), (std::vector<int64_t>{640, 640, 3, 3}));
    EXPECT_EQ(shapeOf(s, "output_blocks.11.0.skip_connection.weight"), (std::vector<int64_t>{320, 640, 1, 1}));
    EXPECT_EQ(shapeOf(s, "out.2.weight"), (std::vector<int64_t>{4, 320, 3, 3}));
    EXPECT_FALSE(s.count("output_blocks.11.2.conv.weight"));
}

TEST(UNetConfig, InfersRealSd15FromShapes) {
    const Weights w = shapeOnlyWeights(unetParameterShapes(sd15Config()));
    const UNetConfig c = UNetConfig::infer(w);
    EXPECT_EQ(c, sd15Config()) << c.describe();
    EXPECT_EQ(c.channelMult, (std::vector<int>{1, 2, 4, 4}));
    EXPECT_EQ(c.attentionLevels, (std::vector<int>{0, 1, 2}));
    EXPECT_EQ(c.numResBlocks, 2);
    EXPECT_EQ(c.contextDim, 768);
    EXPECT_EQ(c.headsFor(1280), 8);
    EXPECT_NO_THROW(UNet(c, w));  // every tensor the network needs is there, with matching shapes
}

TEST(UNetConfig, InfersRealSd21FromShapes) {
    const ParameterShapes s = unetParameterShapes(sd21());
    EXPECT_EQ(s.size(), 686u);
    EXPECT_EQ(shapeOf(s, "input_blocks.1.1.proj_in.weight"), (std::vector<int64_t>{320, 320}));
    EXPECT_EQ(shapeOf(s, "input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight"), (std::vector<int64_t>{320, 1024}));
    const UNetConfig c = UNetConfig::infer(shapeOnlyWeights(s));
    EXPECT_EQ(c, sd21()) << c.describe();
    EXPECT_EQ(c.headsFor(320), 5);
    EXPECT_EQ(c.headsFor(1280), 20);
}

TEST(UNetConfig, InfersRealSd15InpaintingFromShapes) {
    UNetConfig inpaint = sd15Config();
    inpaint.inChannels = 9;
    const ParameterShapes s = unetParameterShapes(inpaint);
    EXPECT_EQ(shapeOf(s, "input_blocks.0.0.weight"), (std::vector<int64_t>{320, 9, 3, 3}));
    EXPECT_EQ(UNetConfig::infer(shapeOnlyWeights(s)), inpaint);
}

TEST(UNetConfig, ReportsTheMissingKey) {
    auto map = std::make_shared<Weights::Map>();
    (*map)["model.diffusion_model.time_embed.0.weight"] = at::zeros({128, 32});
    try {
        UNetConfig::infer(Weights(map).sub("model.diffusion_model"));
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("model.diffusion_model.input_blocks.0.0.weight"), std::string::npos) << e.what();
    }
}
