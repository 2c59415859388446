// uni_pc through the KSampler node: a txt2img run on the tiny model ends finite, with the latent's shape,
// close to a many-step euler run of the same seed, with progress and a preview every step.
#include "core/exec/executor.h"
#include "nodes/values.h"
#include "tests/nodes/node_test_support.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

using namespace tessera;
using namespace tessera::test;

namespace {

struct UniPcTxt2Img {
    ModelsFolder models;
    Executor executor{engineNodeRegistry()};
    GraphBuilder b;

    NodeId addKSampler(const std::string& sampler, int steps) {
        const NodeId loader = b.add("CheckpointLoaderSimple", {{"ckpt_name", "tiny-sd15.safetensors"}});
        const NodeId positive = b.add("CLIPTextEncode", {{"text", "a watercolor painting of a cat"}});
        const NodeId negative = b.add("CLIPTextEncode", {{"text", "blurry"}});
        b.link(loader, 1, positive, "clip");
        b.link(loader, 1, negative, "clip");
        const NodeId empty = b.add("EmptyLatentImage", {{"width", 64}, {"height", 64}, {"batch_size", 1}});
        const NodeId s = b.add("KSampler", {{"seed", 21}, {"steps", steps}, {"cfg", 5.0}, {"sampler_name", sampler},
                                            {"scheduler", "karras"}, {"denoise", 1.0}});
        b.link(loader, 0, s, "model");
        b.link(positive, 0, s, "positive");
        b.link(negative, 0, s, "negative");
        b.link(empty, 0, s, "latent_image");
        return s;
    }
};

}  // namespace

TEST(UniPcKSampler, Txt2ImgIsFiniteAndCloseToAManyStepEulerRun) {
    UniPcTxt2Img t;
    const NodeId uniPc = t.addKSampler("uni_pc", 12);
    const NodeId euler = t.addKSampler("euler", 100);
    const NodeId eulerSameSteps = t.addKSampler("euler", 12);
    int progress = 0, previews = 0;
    const RunResult r = t.executor.run(t.b.graph, t.models.env(), [&](const ExecEvent& e) {
        if (e.node != uniPc) return;
        if (e.kind == ExecEvent::Kind::Progress) ++progress;
        if (e.kind == ExecEvent::Kind::Preview) ++previews;
    }, {uniPc, euler, eulerSameSteps});
    ASSERT_TRUE(r.succeeded()) << r.message;
    EXPECT_EQ(progress, 12);
    EXPECT_EQ(previews, 12);
    const at::Tensor got = outputTensor(r, uniPc), reference = outputTensor(r, euler);
    ASSERT_EQ(got.sizes(), (at::IntArrayRef{1, 4, 8, 8}));
    EXPECT_TRUE(at::isfinite(got).all().item<bool>());
    const double diff = (got - reference).abs().max().item<double>();
    const double scale = reference.abs().max().item<double>();
    const double eulerDiff = (outputTensor(r, eulerSameSteps) - reference).abs().max().item<double>();
    std::printf("vs euler 100 steps, max |diff|: uni_pc 12 steps %.4g, euler 12 steps %.4g (latent max %.4g)\n", diff,
                eulerDiff, scale);
    EXPECT_LT(diff, 2e-3 * scale);  // measured 6.7e-4
    EXPECT_LT(diff, eulerDiff / 4);  // a third-order solver beats euler at the same step count
}
