// HypernetworkLoader on tiny-sd15 with the A1111-layout fixture of tests/fixtures/hypernetwork: the
// MODEL it gives computes the reference UNet output at strength 0.7, strength 0 passes the model
// through, and a file with an activation ComfyUI lacks fails the run naming it.
#include "core/engine/files/checkpoint.h"
#include "core/engine/files/safetensors.h"
#include "core/engine/networks/unet.h"
#include "core/exec/executor.h"
#include "nodes/values.h"
#include "tests/nodes/node_test_support.h"
#include "tests/support/refdata.h"
#include "tests/support/tensor_compare.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>

using namespace tessera;
using namespace tessera::test;

namespace {

std::string hypernetworkNodeFixture(const std::string& name) {
    return sourceDir() + "/tests/fixtures/hypernetwork/" + name;
}

class HypernetworkNode : public ::testing::Test {
protected:
    void SetUp() override {
        std::filesystem::create_directories(std::filesystem::path(models.root()) / "hypernetworks");
        for (const char* name : {"tiny_relu_ln.pt", "unsupported_gelu.pt"})
            std::filesystem::create_symlink(hypernetworkNodeFixture(name), models.path("hypernetworks", name));
    }

    // CheckpointLoaderSimple -> HypernetworkLoader; the run's result and the loader's node id.
    std::pair<RunResult, NodeId> load(const std::string& file, double strength) {
        GraphBuilder b;
        const NodeId ckpt = b.add("CheckpointLoaderSimple", {{"ckpt_name", "tiny-sd15.safetensors"}});
        const NodeId h = b.add("HypernetworkLoader", {{"hypernetwork_name", file}, {"strength", strength}});
        b.link(ckpt, 0, h, "model");
        return {executor.run(b.graph, models.env(), {}, {h}), h};
    }

    static std::shared_ptr<const engine::DiffusionModel> modelOf(const RunResult& r, NodeId node) {
        const auto it = r.outputs.find(node);
        if (it == r.outputs.end() || it->second.empty()) return nullptr;
        const auto value = it->second.front().as<nodes::ModelValue>();
        return value ? value->model : nullptr;
    }

    ModelsFolder models;
    Executor executor{engineNodeRegistry()};
};

TEST_F(HypernetworkNode, GivesAModelWithTheReferenceOutputAtStrength07) {
    const auto [r, node] = load("tiny_relu_ln.pt", 0.7);
    ASSERT_TRUE(r.succeeded()) << r.message;
    const auto model = modelOf(r, node);
    ASSERT_TRUE(model);
    const auto c = loadCase("unet-sd15.safetensors");
    const at::Tensor want =
        engine::SafetensorsFile::open(hypernetworkNodeFixture("expected.safetensors"))->tensor("out_strength_0_7", at::kFloat);
    EXPECT_MATCHES_REFERENCE(model->unet->forward(c.at("x"), c.at("timesteps"), c.at("context")), want);
}

TEST_F(HypernetworkNode, StrengthZeroPassesTheModelThrough) {
    const auto [r, node] = load("tiny_relu_ln.pt", 0.0);
    ASSERT_TRUE(r.succeeded()) << r.message;
    const auto model = modelOf(r, node);
    ASSERT_TRUE(model);
    EXPECT_FALSE(model->unet->attentionOptions().inputPatch);
}

TEST_F(HypernetworkNode, UnsupportedActivationFailsTheRunNamingIt) {
    const auto [r, node] = load("unsupported_gelu.pt", 1.0);
    EXPECT_FALSE(r.succeeded());
    EXPECT_NE(r.message.find("HypernetworkLoader"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("activation function 'gelu' is not supported"), std::string::npos) << r.message;
}

}  // namespace
