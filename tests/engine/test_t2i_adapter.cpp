// T2I-Adapters against tests/fixtures/t2i_adapter (make_t2i_adapter_fixtures.py: tiny adapters built by
// ComfyUI's own Adapter / Adapter_light classes in the real key layouts, random weights, with their
// features for one hint): detection through the ControlNet loader, hyper-parameters from shapes, the
// features, strength, and a run through the tiny refdata UNet.
#include "core/engine/files/checkpoint.h"
#include "core/engine/files/safetensors.h"
#include "core/engine/files/weights.h"
#include "core/engine/networks/t2i_adapter.h"
#include "core/engine/networks/unet.h"
#include "core/engine/sampling/ksampler.h"
#include "tests/support/error_message.h"
#include "tests/support/refdata.h"
#include "tests/support/tensor_compare.h"
#include "tests/support/tiny_t2i_adapter.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>

using namespace tessera;
using namespace tessera::engine;
using tessera::test::errorOf;

namespace {

std::string adapterFixture(const std::string& name) { return test::sourceDir() + "/tests/fixtures/t2i_adapter/" + name; }

const std::map<std::string, at::Tensor>& expectedFeatures() {
    static const auto tensors = loadAllTensors(adapterFixture("expected.safetensors"));
    return tensors;
}

std::shared_ptr<const T2IAdapter> loadAdapter(const std::string& path) {
    auto model = loadControlNetFile(path);
    auto adapter = std::dynamic_pointer_cast<const T2IAdapter>(model);
    if (!adapter) throw std::runtime_error(path + " did not load as a T2I-Adapter");
    return adapter;
}

struct FixtureAdapter {
    std::string name;
    T2IAdapterConfig::Kind kind;
    int imageChannels;
    std::vector<int> channels;
    bool convDownsample;
    int blocksPerLevel;
};

class AdapterFixture : public ::testing::TestWithParam<FixtureAdapter> {};

}  // namespace

TEST_P(AdapterFixture, ShapesGiveTheConfigAndTheFeaturesAreComfyUIs) {
    const FixtureAdapter& f = GetParam();
    const auto adapter = loadAdapter(adapterFixture(f.name));
    const T2IAdapterConfig& c = adapter->config();
    EXPECT_EQ(c.kind, f.kind);
    EXPECT_EQ(c.imageChannels, f.imageChannels);
    EXPECT_EQ(c.channels, f.channels);
    EXPECT_EQ(c.convDownsample, f.convDownsample);
    EXPECT_EQ(c.blocksPerLevel, f.blocksPerLevel);

    const std::vector<at::Tensor> features = adapter->features(expectedFeatures().at("hint"));
    ASSERT_EQ(features.size(), f.channels.size());
    const std::string stem = f.name.substr(0, f.name.find('.'));
    for (size_t level = 0; level < features.size(); ++level) {
        SCOPED_TRACE("level " + std::to_string(level));
        EXPECT_MATCHES_REFERENCE(features[level], expectedFeatures().at(stem + ".feature." + std::to_string(level)));
    }
}

INSTANTIATE_TEST_SUITE_P(
    T2IAdapter, AdapterFixture,
    ::testing::Values(FixtureAdapter{"full_k1_pool_gray.pth", T2IAdapterConfig::Kind::Full, 1, {4, 8, 16, 16}, false, 2},
                      FixtureAdapter{"full_k3_conv_rgb.safetensors", T2IAdapterConfig::Kind::Full, 3, {4, 8, 16, 16}, true, 2},
                      FixtureAdapter{"light_rgb.safetensors", T2IAdapterConfig::Kind::Light, 3, {8, 16, 32, 32}, false, 4}),
    [](const auto& info) { return info.param.name.substr(0, info.param.name.find('.')); });

TEST(T2IAdapter, FeaturesAreTheLevelAdditionsScaledByStrength) {
    const auto adapter = loadAdapter(adapterFixture("light_rgb.safetensors"));
    const at::Tensor hint = expectedFeatures().at("hint");
    const at::Tensor x = at::zeros({2, 4, hint.size(2) / 8, hint.size(3) / 8});
    // The sampler expands one hint to the batch; the adapter then runs once and its features broadcast.
    const ControlResiduals r = adapter->forward(x, hint.expand({2, -1, -1, -1}), at::zeros({2}), at::zeros({2, 77, 64}));
    EXPECT_TRUE(r.input.empty());
    EXPECT_FALSE(r.middle.defined());
    ASSERT_EQ(r.levelFeatures.size(), 4u);
    const ControlResiduals half = r.scaled(0.5f);
    for (size_t level = 0; level < 4; ++level) {
        const at::Tensor want = expectedFeatures().at("light_rgb.feature." + std::to_string(level));
        EXPECT_MATCHES_REFERENCE(r.levelFeatures[level], want);
        EXPECT_MATCHES_REFERENCE(half.levelFeatures[level], want * 0.5);
    }
}

TEST(T2IAdapter, RunsThroughTheTinyUNetAfterEachLevelsLastInputBlock) {
    const std::string dir = test::makeTempDir("t2i-adapter");
    const auto adapter = loadAdapter(test::writeTinySd15Adapter(dir));
    EXPECT_EQ(adapter->config().channels, (std::vector<int>{32, 64, 64}));
    const UNet unet(Weights::fromFile(*SafetensorsFile::open(test::refdataPath("models/tiny-sd15.safetensors")),
                                      "model.diffusion_model."));
    auto c = test::loadCase("unet-sd15.safetensors");
    const at::Tensor& x = c.at("x");
    const at::Tensor hint = at::rand({1, 3, x.size(2) * 8, x.size(3) * 8});
    const ControlResiduals r = adapter->forward(x, hint, c.at("timesteps"), c.at("context"));
    ASSERT_EQ(r.levelFeatures.size(), 3u);

    const at::Tensor plain = unet.forward(x, c.at("timesteps"), c.at("context"));
    EXPECT_MATCHES_REFERENCE(plain, c.at("out"));
    const at::Tensor guided = unet.forward(x, c.at("timesteps"), c.at("context"), &r);
    EXPECT_EQ(guided.sizes(), plain.sizes());
    EXPECT_TRUE(guided.isfinite().all().item<bool>());
    EXPECT_GT(test::maxAbsDiff(guided, plain), 1e-3);
    // Zero features change nothing; each level's feature alone changes the output.
    ControlResiduals zero = r.scaled(0.0f);
    EXPECT_EQ(test::maxAbsDiff(unet.forward(x, c.at("timesteps"), c.at("context"), &zero), plain), 0.0);
    for (size_t level = 0; level < 3; ++level) {
        ControlResiduals one;
        one.levelFeatures.resize(level + 1);
        one.levelFeatures[level] = r.levelFeatures[level];
        EXPECT_GT(test::maxAbsDiff(unet.forward(x, c.at("timesteps"), c.at("context"), &one), plain), 1e-4) << level;
    }

    // An adapter made for other channels is named, not silently skipped.
    const auto other = loadAdapter(adapterFixture("light_rgb.safetensors"));
    const ControlResiduals wrong = other->forward(x, hint, c.at("timesteps"), c.at("context"));
    const std::string message = errorOf([&] { unet.forward(x, c.at("timesteps"), c.at("context"), &wrong); });
    EXPECT_NE(message.find("T2I-Adapter gives 4 feature maps but the UNet has 3 resolution levels"), std::string::npos)
        << message;
    std::filesystem::remove_all(dir);
}

TEST(T2IAdapter, KSamplerAppliesItWithinItsStartAndEnd) {
    const std::string dir = test::makeTempDir("t2i-adapter-ksampler");
    auto model = std::make_shared<DiffusionModel>();  // tiny-sd15's UNet; no text encoder needed
    model->weights = Weights::fromFile(*SafetensorsFile::open(test::refdataPath("models/tiny-sd15.safetensors")),
                                       "model.diffusion_model.");
    model->unet = std::make_shared<const UNet>(model->weights);
    model->source = "tiny-sd15.safetensors";
    at::manual_seed(3);
    KSamplerRequest r;
    r.model = model;
    Conditioning positive, negative;
    positive.context = at::randn({1, 77, 64});
    negative.context = at::randn({1, 77, 64});
    r.latent = at::zeros({1, 4, 8, 8});
    r.seed = 11;
    r.steps = 3;
    r.cfg = 5.0;
    auto run = [&](std::vector<ControlApplication> controls) {
        r.positive = {positive};
        r.negative = {negative};
        r.positive[0].controls = r.negative[0].controls = std::move(controls);
        return runKSampler(r, {});
    };
    ControlApplication adapter;
    adapter.net = loadControlNetFile(test::writeTinySd15Adapter(dir));
    adapter.hint = at::rand({1, 3, 64, 64});
    const at::Tensor plain = run({});
    const at::Tensor guided = run({adapter});
    EXPECT_GT(test::maxAbsDiff(guided, plain), 1e-3);
    ControlApplication never = adapter;  // a range that holds no step's sigma
    never.startPercent = never.endPercent = 1.0;
    EXPECT_EQ(test::maxAbsDiff(run({never}), plain), 0.0);
    ControlApplication weaker = adapter;
    weaker.strength = 0.5;
    const at::Tensor half = run({weaker});
    EXPECT_GT(test::maxAbsDiff(half, plain), 1e-4);
    EXPECT_GT(test::maxAbsDiff(half, guided), 1e-4);
    std::filesystem::remove_all(dir);
}

TEST(T2IAdapter, BadFilesAndHintsAreNamed) {
    const auto adapter = loadAdapter(adapterFixture("full_k3_conv_rgb.safetensors"));
    const std::string odd = errorOf([&] { adapter->features(at::rand({1, 3, 60, 40})); });
    EXPECT_EQ(odd, "T2I-Adapter 'full_k3_conv_rgb.safetensors': the hint must be an NCHW image with 3 channel(s) and "
                   "a size that is a multiple of 8, got [1, 3, 60, 40]");

    const std::string dir = test::makeTempDir("t2i-adapter-bad");
    writeSafetensors(dir + "/t2iadapter_xl.safetensors", {{"conv_in.weight", at::zeros({4, 768, 3, 3})},
                                                          {"body.0.block1.weight", at::zeros({4, 4, 3, 3})},
                                                          {"body.0.block2.weight", at::zeros({4, 4, 1, 1})},
                                                          {"body.1.block1.weight", at::zeros({4, 4, 3, 3})},
                                                          {"body.1.block2.weight", at::zeros({4, 4, 1, 1})}});
    const std::string xl = errorOf([&] { loadControlNetFile(dir + "/t2iadapter_xl.safetensors"); });
    EXPECT_NE(xl.find("is an SDXL adapter (768 input channels after a 16x pixel unshuffle)"), std::string::npos) << xl;
    std::filesystem::remove_all(dir);
}
