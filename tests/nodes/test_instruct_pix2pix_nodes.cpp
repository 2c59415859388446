// InstructPixToPixConditioning and 8-channel edit models: the node hands the image's latent to both
// conditionings and an empty latent to sample; the checkpoint loader accepts in_channels 8 and the
// sampler feeds the UNet the latent followed by that image latent (zeros where a cond has none).
#include "core/engine/files/safetensors.h"
#include "core/exec/executor.h"
#include "nodes/values.h"
#include "tests/nodes/node_test_support.h"
#include "tests/support/refdata.h"
#include "tests/support/tensor_compare.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

using namespace tessera;
using namespace tessera::test;

namespace {

class InstructPix2PixNodes : public ::testing::Test {
protected:
    // tiny-sd15 with 4 more input channels on its first convolution, weighted by `extra` x the first four's.
    void writeEditModel(const std::string& name, double extra) {
        auto tensors = engine::loadAllTensors(refdataPath("models/tiny-sd15.safetensors"));
        const std::string key = "model.diffusion_model.input_blocks.0.0.weight";
        const at::Tensor w = tensors.at(key);
        tensors[key] = at::cat({w, w * extra}, 1);
        engine::writeSafetensors(models.path("checkpoints", name), tensors);
    }
    void addPrompts(NodeId loader) {
        positive = b.add("CLIPTextEncode", {{"text", "make it a watercolor"}});
        negative = b.add("CLIPTextEncode", {{"text", "blurry"}});
        b.link(loader, 1, positive, "clip");
        b.link(loader, 1, negative, "clip");
    }
    NodeId addSampler(NodeId model, NodeId pos, int posSlot, NodeId neg, int negSlot, NodeId latent, int latentSlot) {
        const NodeId k = b.add("KSampler", {{"seed", 5}, {"steps", 2}, {"cfg", 3.0}, {"sampler_name", "euler"},
                                            {"scheduler", "normal"}, {"denoise", 1.0}});
        b.link(model, 0, k, "model");
        b.link(pos, posSlot, k, "positive");
        b.link(neg, negSlot, k, "negative");
        b.link(latent, latentSlot, k, "latent_image");
        return k;
    }
    NodeId addEdit(NodeId loader, const std::string& image) {
        const NodeId pixels = b.add("TestImage", {{"name", image}});
        const NodeId edit = b.add("InstructPixToPixConditioning");
        b.link(positive, 0, edit, "positive");
        b.link(negative, 0, edit, "negative");
        b.link(loader, 2, edit, "vae");
        b.link(pixels, 0, edit, "pixels");
        return edit;
    }
    RunResult run(std::vector<NodeId> targets) { return executor.run(b.graph, models.env(), {}, std::move(targets)); }

    ModelsFolder models;
    Executor executor{engineNodeRegistry()};
    GraphBuilder b;
    NodeId positive = 0, negative = 0;
};

TEST_F(InstructPix2PixNodes, ConditioningCarriesTheImageLatentAndAnEmptyLatent) {
    testTensors()["photo"] = at::rand({1, 36, 44, 3});  // cut to 32x40 like ComfyUI
    const NodeId loader = b.add("CheckpointLoaderSimple", {{"ckpt_name", "tiny-sd15.safetensors"}});
    addPrompts(loader);
    const NodeId edit = addEdit(loader, "photo");
    const NodeId encode = b.add("VAEEncode");
    b.link(b.add("TestImage", {{"name", "photo"}}), 0, encode, "pixels");
    b.link(loader, 2, encode, "vae");
    const RunResult r = run({edit, encode});
    ASSERT_TRUE(r.succeeded()) << r.message;
    const at::Tensor encoded = outputTensor(r, encode);
    EXPECT_EQ(encoded.sizes(), (std::vector<int64_t>{1, 4, 4, 5}));
    for (int side : {0, 1}) {
        const auto cond = r.outputs.at(edit)[size_t(side)].as<nodes::ConditioningValue>();
        ASSERT_EQ(cond->entries.size(), 1u);
        EXPECT_TRUE(cond->entries[0].concatLatent.equal(encoded)) << side;
    }
    EXPECT_TRUE(outputTensor(r, edit, 2).equal(at::zeros_like(encoded)));
}

TEST_F(InstructPix2PixNodes, EditModelWithSilentExtraChannelsSamplesLikeThePlainModel) {
    writeEditModel("tiny-ip2p-zero.safetensors", 0.0);
    testTensors()["photo"] = at::rand({1, 32, 32, 3});
    const NodeId plain = b.add("CheckpointLoaderSimple", {{"ckpt_name", "tiny-sd15.safetensors"}});
    const NodeId edit8 = b.add("CheckpointLoaderSimple", {{"ckpt_name", "tiny-ip2p-zero.safetensors"}});
    addPrompts(plain);
    const NodeId edit = addEdit(plain, "photo");
    const NodeId withEdit = addSampler(edit8, edit, 0, edit, 1, edit, 2);
    const NodeId without = addSampler(plain, positive, 0, negative, 0, edit, 2);
    const RunResult r = run({withEdit, without});
    ASSERT_TRUE(r.succeeded()) << r.message;
    EXPECT_TRUE(closeToReference(outputTensor(r, withEdit), outputTensor(r, without), 1e-5));
}

TEST_F(InstructPix2PixNodes, TheImageLatentReachesTheUNet) {
    writeEditModel("tiny-ip2p.safetensors", 1.0);
    testTensors()["photo"] = at::rand({1, 32, 32, 3});
    testTensors()["other"] = at::rand({1, 48, 32, 3});  // another size: fitted to the sampled latent
    const NodeId loader = b.add("CheckpointLoaderSimple", {{"ckpt_name", "tiny-ip2p.safetensors"}});
    addPrompts(loader);
    const NodeId editA = addEdit(loader, "photo"), editB = addEdit(loader, "other");
    const NodeId a = addSampler(loader, editA, 0, editA, 1, editA, 2);
    const NodeId bSampler = addSampler(loader, editB, 0, editB, 1, editA, 2);
    const NodeId none = addSampler(loader, positive, 0, negative, 0, editA, 2);
    const RunResult r = run({a, bSampler, none});
    ASSERT_TRUE(r.succeeded()) << r.message;
    const at::Tensor la = outputTensor(r, a), lb = outputTensor(r, bSampler), l0 = outputTensor(r, none);
    EXPECT_TRUE(at::isfinite(la).all().item<bool>() && at::isfinite(lb).all().item<bool>());
    EXPECT_EQ(lb.sizes(), la.sizes());
    EXPECT_GT((la - lb).abs().max().item<double>(), 1e-3);
    EXPECT_GT((la - l0).abs().max().item<double>(), 1e-3);
}

}  // namespace
