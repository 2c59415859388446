// Which preview a sampler run shows (Environment::previewMethod): TAESD when its decoder is in
// vae_approx/, latent2rgb otherwise or on request, nothing for "none", a clear error for "taesd"
// without the file.
#include "core/engine/files/safetensors.h"
#include "core/engine/networks/taesd.h"
#include "core/exec/executor.h"
#include "nodes/latent_preview.h"
#include "nodes/values.h"
#include "tests/nodes/node_test_support.h"
#include "tests/support/taesd_weights.h"
#include "tests/support/tensor_compare.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>

using namespace tessera;
using namespace tessera::test;

namespace {

constexpr double kLatentScale = 0.18215;

class SamplerPreviews : public ::testing::Test {
protected:
    void SetUp() override {
        testTensors()["source"] = loadCase("pipelines.safetensors").at("source_image");
        const NodeId loader = b.add("CheckpointLoaderSimple", {{"ckpt_name", "tiny-sd15.safetensors"}});
        const NodeId positive = b.add("CLIPTextEncode", {{"text", "a watercolor painting of a cat"}});
        const NodeId negative = b.add("CLIPTextEncode", {{"text", "blurry"}});
        b.link(loader, 1, positive, "clip");
        b.link(loader, 1, negative, "clip");
        const NodeId image = b.add("TestImage", {{"name", "source"}});
        const NodeId latent = b.add("VAEEncode");
        b.link(image, 0, latent, "pixels");
        b.link(loader, 2, latent, "vae");
        sampler = b.add("KSampler", {{"seed", 3}, {"steps", 3}, {"sampler_name", "euler"}});
        b.link(loader, 0, sampler, "model");
        b.link(positive, 0, sampler, "positive");
        b.link(negative, 0, sampler, "negative");
        b.link(latent, 0, sampler, "latent_image");
    }

    std::string writeTaesd() {
        const std::string path = models.path("vae_approx", "taesd_decoder.safetensors");
        std::filesystem::create_directories(std::filesystem::path(path).parent_path());
        engine::writeSafetensors(path, randomTaesdDecoder(4, 64, 9));
        return path;
    }

    // Runs the sampler with `method`, keeping its previews and its step count.
    RunResult run(const std::string& method) {
        Environment env = models.env();
        env.previewMethod = method;
        env.throttleSlowPreviews = false;  // every step's preview, however slow the machine
        previews.clear();
        steps = 0;
        Executor executor{engineNodeRegistry()};  // fresh: a cached sampler would not run again
        return executor.run(b.graph, env, [&](const ExecEvent& e) {
            if (e.node != sampler) return;
            if (e.kind == ExecEvent::Kind::Preview) previews.push_back(e.preview);
            if (e.kind == ExecEvent::Kind::Progress) ++steps;
        }, {sampler});
    }

    // The last step's denoised estimate: euler's final step lands on it.
    at::Tensor lastEstimate(const RunResult& r) { return outputTensor(r, sampler) * kLatentScale; }

    ModelsFolder models;
    GraphBuilder b;
    NodeId sampler = 0;
    std::vector<std::shared_ptr<const PreviewImage>> previews;
    int steps = 0;
};

at::Tensor pixelsOf(const PreviewImage& image) {
    return at::from_blob(const_cast<uint8_t*>(image.rgb.data()), {image.height, image.width, 3}, at::kByte)
        .to(at::kInt);
}

// Largest difference in 8-bit levels; 1 allows for rounding of values that differ by float error.
int maxLevelDifference(const PreviewImage& got, const at::Tensor& wantBytes) {
    return (pixelsOf(got) - wantBytes.to(at::kInt)).abs().max().item<int>();
}

}  // namespace

TEST_F(SamplerPreviews, AutoWithTaesdFileDecodesTheEstimateAtImageSize) {
    const std::string path = writeTaesd();
    const RunResult r = run("auto");
    ASSERT_TRUE(r.succeeded()) << r.message;
    ASSERT_EQ(previews.size(), 3u);
    for (const auto& p : previews) {
        ASSERT_TRUE(p);
        EXPECT_EQ(p->width, 64);  // 8x8 latent, decoded 8x larger
        EXPECT_EQ(p->height, 64);
    }
    // ComfyUI's TAESD preview: the decoder's output clamped to 0..1, as bytes, HWC.
    const auto decoder = engine::loadTaesdDecoderFile(path);
    const at::Tensor want =
        decoder->forward(lastEstimate(r))[0].clamp(0, 1).mul(255).round().permute({1, 2, 0});
    EXPECT_LE(maxLevelDifference(*previews.back(), want), 1);
    EXPECT_GT(pixelsOf(*previews.back()).to(at::kFloat).std().item<double>(), 5.0);  // a picture, not a flat colour
    // The same estimate through latent2rgb looks different: the previews really came from TAESD.
    EXPECT_GT(maxLevelDifference(*previews.back(), pixelsOf(*nodes::latentPreview(lastEstimate(r)))), 20);
}

TEST_F(SamplerPreviews, WithoutTheFileOrOnRequestLatent2rgbIsShown) {
    const RunResult without = run("auto");
    ASSERT_TRUE(without.succeeded()) << without.message;
    ASSERT_EQ(previews.size(), 3u);
    EXPECT_EQ(previews.back()->width, 64);
    EXPECT_EQ(previews.back()->height, 64);
    EXPECT_LE(maxLevelDifference(*previews.back(), pixelsOf(*nodes::latentPreview(lastEstimate(without)))), 1);

    writeTaesd();
    const RunResult requested = run("latent2rgb");
    ASSERT_TRUE(requested.succeeded()) << requested.message;
    ASSERT_EQ(previews.size(), 3u);
    EXPECT_LE(maxLevelDifference(*previews.back(), pixelsOf(*nodes::latentPreview(lastEstimate(requested)))), 1);
}

TEST_F(SamplerPreviews, NoneShowsNoPreviewsButStillReportsProgress) {
    writeTaesd();
    const RunResult r = run("none");
    ASSERT_TRUE(r.succeeded()) << r.message;
    EXPECT_TRUE(previews.empty());
    EXPECT_EQ(steps, 3);
}

TEST_F(SamplerPreviews, TaesdWithoutTheFileSaysWhereItGoes) {
    const RunResult r = run("taesd");
    ASSERT_TRUE(r.failed());
    EXPECT_NE(r.message.find("vae_approx"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("at " + models.root() + "/vae_approx/taesd_decoder.safetensors"), std::string::npos)
        << r.message;
    EXPECT_EQ(r.failedNode, sampler);
    EXPECT_TRUE(previews.empty());
}

TEST_F(SamplerPreviews, UnknownMethodIsAnError) {
    const RunResult r = run("fancy");
    ASSERT_TRUE(r.failed());
    EXPECT_NE(r.message.find("unknown preview method 'fancy'"), std::string::npos) << r.message;
}
