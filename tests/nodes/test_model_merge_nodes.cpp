// The merge nodes and CheckpointSave on tiny-sd15 and its flipped twin (every floating tensor
// flipped along its first axis, written here): the saved merge is bit for bit the merge
// tests/fixtures/merges/make_merge_reference.py computes offline with ComfyUI's semantics, loads
// back with CheckpointLoaderSimple and gives the in-graph merge's latent and pixels exactly.
#include "core/engine/files/model_files.h"
#include "core/engine/files/safetensors.h"
#include "core/engine/files/tensor_file.h"
#include "core/engine/files/weights.h"
#include "core/exec/executor.h"
#include "tests/nodes/node_test_support.h"
#include "tests/support/refdata.h"
#include "tests/support/weights_digest.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>

using namespace tessera;
using namespace tessera::test;
namespace fs = std::filesystem;

namespace {

struct Sampled {
    at::Tensor latent, pixels;
};

class ModelMergeNodes : public ::testing::Test {
protected:
    void SetUp() override {
        std::map<std::string, at::Tensor> flipped;
        for (auto& [key, t] : engine::loadAllTensors(refdataPath("models/tiny-sd15.safetensors")))
            flipped[key] = t.is_floating_point() ? t.flip(0).to(at::kHalf).contiguous() : t;
        engine::writeSafetensors(models.path("checkpoints", "tiny-sd15-flipped.safetensors"), flipped);
        outputDir = makeTempDir("merge-output");
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(outputDir, ec);
    }

    Environment env() const {
        Environment e = models.env();
        e.outputDir = outputDir;
        return e;
    }

    // Prompts -> KSampler -> VAEDecode with the given model and CLIP outputs.
    NodeId addSampling(GraphBuilder& b, NodeId model, int modelSlot, NodeId clip, int clipSlot, NodeId vae) {
        const NodeId pos = b.add("CLIPTextEncode", {{"text", "a cat"}});
        const NodeId neg = b.add("CLIPTextEncode", {{"text", ""}});
        b.link(clip, clipSlot, pos, "clip");
        b.link(clip, clipSlot, neg, "clip");
        const NodeId empty = b.add("EmptyLatentImage", {{"width", 64}, {"height", 64}});
        const NodeId s = b.add("KSampler", {{"seed", 8}, {"steps", 3}});
        b.link(model, modelSlot, s, "model");
        b.link(pos, 0, s, "positive");
        b.link(neg, 0, s, "negative");
        b.link(empty, 0, s, "latent_image");
        const NodeId decode = b.add("VAEDecode");
        b.link(s, 0, decode, "samples");
        b.link(vae, 2, decode, "vae");
        return decode;
    }

    Sampled run(GraphBuilder& b, NodeId decode) {
        const NodeId sampler = b.graph.linkInto(decode, "samples")->fromNode;
        const RunResult r = executor.run(b.graph, env(), {}, {decode});
        EXPECT_TRUE(r.succeeded()) << r.message;
        if (!r.succeeded()) return {};
        return {outputTensor(r, sampler), outputTensor(r, decode)};
    }

    ModelsFolder models;
    std::string outputDir;
    Executor executor{engineNodeRegistry()};
};

TEST_F(ModelMergeNodes, SavedMergeIsTheOfflineMergeAndSamplesTheSame) {
    GraphBuilder b;
    const NodeId a = b.add("CheckpointLoaderSimple", {{"ckpt_name", "tiny-sd15.safetensors"}});
    const NodeId twin = b.add("CheckpointLoaderSimple", {{"ckpt_name", "tiny-sd15-flipped.safetensors"}});
    const NodeId mergeModel = b.add("ModelMergeBlocks", {{"input", 0.25}, {"middle", 0.5}, {"out", 0.75}});
    b.link(a, 0, mergeModel, "model1");
    b.link(twin, 0, mergeModel, "model2");
    const NodeId mergeClip = b.add("CLIPMergeSimple", {{"ratio", 0.4}});
    b.link(a, 1, mergeClip, "clip1");
    b.link(twin, 1, mergeClip, "clip2");
    const NodeId decode = addSampling(b, mergeModel, 0, mergeClip, 0, a);
    const NodeId save = b.add("CheckpointSave", {{"filename_prefix", "checkpoints/merged"}});
    b.link(mergeModel, 0, save, "model");
    b.link(mergeClip, 0, save, "clip");
    b.link(a, 2, save, "vae");
    const RunResult r = executor.run(b.graph, env(), {}, {decode, save});
    ASSERT_TRUE(r.succeeded()) << r.message;
    const Sampled merged{outputTensor(r, b.graph.linkInto(decode, "samples")->fromNode), outputTensor(r, decode)};

    const std::string saved = outputDir + "/checkpoints/merged_00001_.safetensors";
    ASSERT_TRUE(fs::exists(saved));
    auto file = engine::openTensorFile(saved);
    EXPECT_EQ(weightsDigest(engine::Weights::fromFile(*file, "model.diffusion_model.")),
              mergeReferenceDigest("ModelMergeBlocks(0.25,0.5,0.75)"));
    EXPECT_EQ(weightsDigest(engine::Weights::fromFile(*file, "cond_stage_model.transformer.text_model.")),
              mergeReferenceDigest("CLIPMergeSimple(0.4)"));
    EXPECT_EQ(file->metadata().count("modelspec.predict_key"), 1u);

    // The saved file as a checkpoint of its own.
    fs::rename(saved, models.path("checkpoints", "merged.safetensors"));
    GraphBuilder reload;
    const NodeId loaded = reload.add("CheckpointLoaderSimple", {{"ckpt_name", "merged.safetensors"}});
    const Sampled again = run(reload, addSampling(reload, loaded, 0, loaded, 1, loaded));
    ASSERT_TRUE(again.latent.defined());
    EXPECT_TRUE(again.latent.equal(merged.latent));
    EXPECT_TRUE(again.pixels.equal(merged.pixels));

    // And the merge is not a no-op: model1 alone samples something else.
    GraphBuilder plain;
    const NodeId only = plain.add("CheckpointLoaderSimple", {{"ckpt_name", "tiny-sd15.safetensors"}});
    const Sampled first = run(plain, addSampling(plain, only, 0, only, 1, only));
    ASSERT_TRUE(first.latent.defined());
    EXPECT_GT((first.latent - merged.latent).abs().max().item<double>(), 1e-2);
}

TEST_F(ModelMergeNodes, CheckpointSaveNeverOverwrites) {
    GraphBuilder b;
    const NodeId a = b.add("CheckpointLoaderSimple", {{"ckpt_name", "tiny-sd15.safetensors"}});
    const NodeId save = b.add("CheckpointSave", {{"filename_prefix", "mine"}});
    b.link(a, 0, save, "model");
    b.link(a, 1, save, "clip");
    b.link(a, 2, save, "vae");
    for (int i = 0; i < 2; ++i) ASSERT_TRUE(executor.run(b.graph, env(), {}, {save}).succeeded());
    EXPECT_TRUE(fs::exists(outputDir + "/mine_00001_.safetensors"));
    EXPECT_TRUE(fs::exists(outputDir + "/mine_00002_.safetensors"));

    b.set(save, "filename_prefix", std::string("../escape"));
    const RunResult bad = executor.run(b.graph, env(), {}, {save});
    EXPECT_FALSE(bad.succeeded());
    EXPECT_NE(bad.message.find("filename_prefix '../escape' must be a file name"), std::string::npos) << bad.message;
}

TEST_F(ModelMergeNodes, VPredictionIsMarkedAndReadBack) {
    GraphBuilder b;
    const NodeId sd2 = b.add("CheckpointLoaderSimple", {{"ckpt_name", "tiny-sd2-v.safetensors"}});
    const NodeId v = b.add("ModelSamplingDiscrete", {{"sampling", std::string("v_prediction")}});
    b.link(sd2, 0, v, "model");
    const NodeId save = b.add("CheckpointSave", {{"filename_prefix", "sd2v"}});
    b.link(v, 0, save, "model");
    b.link(sd2, 1, save, "clip");
    b.link(sd2, 2, save, "vae");
    const RunResult r = executor.run(b.graph, env(), {}, {save});
    ASSERT_TRUE(r.succeeded()) << r.message;
    auto file = engine::openTensorFile(outputDir + "/sd2v_00001_.safetensors");
    EXPECT_EQ(file->metadata().at("modelspec.predict_key"), "v");
    const engine::CheckpointLayout layout = engine::inspectCheckpoint(*file);
    EXPECT_EQ(layout.predictionGuess, engine::Prediction::V);
    EXPECT_EQ(layout.textPrefix, "cond_stage_model.model.");
    // The file as loaded has no marker: its guess is eps, which the marker overrides above.
    EXPECT_EQ(engine::inspectCheckpoint(*engine::openTensorFile(refdataPath("models/tiny-sd2-v.safetensors"))).predictionGuess,
              engine::Prediction::Eps);
}

TEST_F(ModelMergeNodes, MergingModelsOfDifferentFamiliesFailsClearly) {
    GraphBuilder b;
    const NodeId a = b.add("CheckpointLoaderSimple", {{"ckpt_name", "tiny-sd15.safetensors"}});
    const NodeId sd2 = b.add("CheckpointLoaderSimple", {{"ckpt_name", "tiny-sd2-v.safetensors"}});
    const NodeId m = b.add("ModelMergeSimple", {{"ratio", 0.5}});
    b.link(a, 0, m, "model1");
    b.link(sd2, 0, m, "model2");
    const RunResult r = executor.run(b.graph, env(), {}, {m});
    EXPECT_FALSE(r.succeeded());
    EXPECT_NE(r.message.find("cannot merge model1 and model2: "), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("differ in shape"), std::string::npos) << r.message;
}

}  // namespace
