// Difference ControlNets: tiny-controlnet-sd15 written here as differences from tiny-sd15's UNet
// (with ComfyUI's "difference" marker) loads back, with tiny-sd15 as the base model, into the
// ControlNet whose residuals match the golden ones; wrong uses are named.
#include "core/common/error.h"
#include "core/engine/files/checkpoint.h"
#include "core/engine/networks/controlnet.h"
#include "core/engine/patches/diff_controlnet.h"
#include "core/engine/files/safetensors.h"
#include "core/engine/files/weights.h"
#include "tests/support/error_message.h"
#include "tests/support/refdata.h"
#include "tests/support/tensor_compare.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>

using namespace tessera;
using namespace tessera::engine;
using tessera::test::errorOf;

namespace {

DiffusionModel baseModel(const std::string& checkpoint) {
    DiffusionModel m;
    m.weights = Weights::fromFile(*SafetensorsFile::open(test::refdataPath("models/" + checkpoint)), "model.diffusion_model.");
    m.source = checkpoint;
    return m;
}

class DiffControlNet : public ::testing::Test {
protected:
    void SetUp() override {
        dir = test::makeTempDir("diff-controlnet");
        const DiffusionModel base = baseModel("tiny-sd15.safetensors");
        std::map<std::string, at::Tensor> tensors;
        size_t differences = 0;
        for (const auto& [key, t] : loadAllTensors(test::refdataPath("models/tiny-controlnet-sd15.safetensors"))) {
            const std::string inner = key.substr(std::string("control_model.").size());
            const auto shared = base.weights.find(inner);
            tensors[key] = shared ? (t - *shared) : t;
            differences += shared ? 1 : 0;
        }
        ASSERT_GT(differences, 20u);  // time embedding, input and middle blocks
        tensors["difference"] = at::zeros({1});
        writeSafetensors(dir + "/diff.safetensors", tensors);
    }
    void TearDown() override {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
    std::string dir;
};

TEST_F(DiffControlNet, AddsTheBaseModelAndMatchesTheGoldenResiduals) {
    const auto net = loadDiffControlNetFile(dir + "/diff.safetensors", baseModel("tiny-sd15.safetensors"));
    auto c = test::loadCase("controlnet-sd15.safetensors");
    const ControlResiduals r = net->forward(c.at("x"), c.at("hint"), c.at("timesteps"), c.at("context"));
    ASSERT_EQ(r.input.size(), 6u);
    for (size_t i = 0; i < r.input.size(); ++i) {
        char key[32];
        std::snprintf(key, sizeof key, "control.%02zu", i);
        SCOPED_TRACE(key);
        EXPECT_MATCHES_REFERENCE(r.input[i], c.at(key));
    }
    EXPECT_MATCHES_REFERENCE(r.middle, c.at("control.06"));
}

TEST_F(DiffControlNet, WrongUsesAreNamed) {
    EXPECT_EQ(errorOf([&] { loadControlNetFile(dir + "/diff.safetensors"); }),
              "'diff.safetensors' is a difference ControlNet (its weights are differences from a base model): load it "
              "with DiffControlNetLoader, connected to that model");
    const std::string other = errorOf([&] { loadDiffControlNetFile(dir + "/diff.safetensors", baseModel("tiny-sd2-v.safetensors")); });
    EXPECT_NE(other.find("'diff.safetensors': difference weight 'control_model."), std::string::npos) << other;
    EXPECT_NE(other.find("(a difference ControlNet for another base model)"), std::string::npos) << other;
    // A plain ControlNet loads through the diff loader unchanged, as in ComfyUI.
    const auto plain = loadDiffControlNetFile(test::refdataPath("models/tiny-controlnet-sd15.safetensors"),
                                              baseModel("tiny-sd2-v.safetensors"));
    const auto* asControlNet = dynamic_cast<const ControlNet*>(plain.get());
    ASSERT_NE(asControlNet, nullptr);
    EXPECT_EQ(asControlNet->config().unet.modelChannels, 32);
}

}  // namespace
