// GLIGENLoader + GLIGENTextBoxApply through the executor: two boxes on the positive prompt give the
// KSampler latent of an independent Python implementation of ComfyUI's semantics
// (tests/fixtures/gligen/make_gligen_fixtures.py); a missing file is named.
#include "core/exec/executor.h"
#include "tests/nodes/node_test_support.h"
#include "tests/support/refdata.h"
#include "tests/support/tensor_compare.h"
#include "core/engine/files/safetensors.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>

using namespace tessera;
using namespace tessera::test;

namespace {

class GligenNodes : public ::testing::Test {
protected:
    GligenNodes() {
        std::filesystem::create_directories(models.root() + "/gligen");
        std::filesystem::create_symlink(sourceDir() + "/tests/fixtures/gligen/tiny_gligen_sd15.safetensors",
                                        models.path("gligen", "gligen_sd14_textbox_pruned.safetensors"));
    }

    // KSampler (euler, normal, 1 step, cfg 7.5, seed 42) on a 64x64 empty latent; the positive gets
    // GLIGENTextBoxApply boxes from `gligenName`.
    NodeId buildGraph(const std::string& gligenName) {
        const NodeId loader = b.add("CheckpointLoaderSimple", {{"ckpt_name", "tiny-sd15.safetensors"}});
        const NodeId positive = b.add("CLIPTextEncode", {{"text", "a watercolor painting of a cat"}});
        const NodeId negative = b.add("CLIPTextEncode", {{"text", "blurry, low quality"}});
        b.link(loader, 1, positive, "clip");
        b.link(loader, 1, negative, "clip");
        gligen = b.add("GLIGENLoader", {{"gligen_name", gligenName}});
        NodeId conditioning = positive;
        const std::vector<std::tuple<std::string, int, int, int, int>> boxes = {
            {"a watercolor painting of a cat", 32, 24, 8, 16}, {"blurry, low quality", 40, 40, 0, 0}};
        for (const auto& [text, width, height, x, y] : boxes) {
            const NodeId apply = b.add("GLIGENTextBoxApply",
                                       {{"text", text}, {"width", width}, {"height", height}, {"x", x}, {"y", y}});
            b.link(conditioning, 0, apply, "conditioning_to");
            b.link(loader, 1, apply, "clip");
            b.link(gligen, 0, apply, "gligen_textbox_model");
            conditioning = apply;
        }
        const NodeId latent = b.add("EmptyLatentImage", {{"width", 64}, {"height", 64}, {"batch_size", 1}});
        const NodeId k = b.add("KSampler", {{"seed", 42}, {"steps", 1}, {"cfg", 7.5}, {"sampler_name", "euler"},
                                            {"scheduler", "normal"}, {"denoise", 1.0}});
        b.link(loader, 0, k, "model");
        b.link(conditioning, 0, k, "positive");
        b.link(negative, 0, k, "negative");
        b.link(latent, 0, k, "latent_image");
        return k;
    }

    RunResult run(std::vector<NodeId> targets) { return executor.run(b.graph, models.env(), {}, std::move(targets)); }

    ModelsFolder models;
    Executor executor{engineNodeRegistry()};
    GraphBuilder b;
    NodeId gligen = 0;
};

}  // namespace

TEST_F(GligenNodes, TwoBoxesGiveTheReferenceLatent) {
    const NodeId k = buildGraph("gligen_sd14_textbox_pruned.safetensors");
    const RunResult r = run({k});
    ASSERT_TRUE(r.succeeded()) << r.message;
    const auto reference = engine::loadAllTensors(sourceDir() + "/tests/fixtures/gligen/gligen_reference.safetensors");
    EXPECT_MATCHES_REFERENCE(outputTensor(r, k), reference.at("ksampler_latent"));
}

TEST_F(GligenNodes, MissingFileIsNamed) {
    const NodeId k = buildGraph("nowhere.safetensors");
    const RunResult r = run({k});
    ASSERT_TRUE(r.failed());
    std::string text = r.message;
    for (const auto& issue : r.issues) text += " | " + issue.message;
    EXPECT_NE(text.find("nowhere.safetensors"), std::string::npos) << text;
}
