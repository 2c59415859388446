// Sweeps on the tiny refdata img2img: every cell equals a separate run with its values, the
// shared upstream work (checkpoint load, text encodes, VAE encode) runs once for the whole sweep,
// and cancelling stops within the running cell.
#include "core/sweep/sweep_runner.h"
#include "tests/nodes/node_test_fixture.h"
#include "tests/nodes/node_test_support.h"
#include "tests/support/pipeline_cases.h"

#include <gtest/gtest.h>

using namespace tessera;
using namespace tessera::test;

namespace {

class SweepPipeline : public ::testing::Test {
protected:
    SweepPipeline() {
        testTensors()["source"] = pipelineGolden().at("source_image");
        loader = b.add("CheckpointLoaderSimple", {{"ckpt_name", "tiny-sd15.safetensors"}});
        pos = b.add("CLIPTextEncode", {{"text", pipelinePrompt()}});
        neg = b.add("CLIPTextEncode", {{"text", pipelineNegative()}});
        image = b.add("TestImage", {{"name", "source"}});
        encode = b.add("VAEEncode");
        sampler = b.add("KSampler", {{"seed", 42},
                                     {"steps", 4},
                                     {"cfg", 7.0},
                                     {"sampler_name", "euler"},
                                     {"scheduler", "normal"},
                                     {"denoise", 0.6}});
        decode = b.add("VAEDecode");
        b.link(loader, 1, pos, "clip");
        b.link(loader, 1, neg, "clip");
        b.link(image, 0, encode, "pixels");
        b.link(loader, 2, encode, "vae");
        b.link(loader, 0, sampler, "model");
        b.link(pos, 0, sampler, "positive");
        b.link(neg, 0, sampler, "negative");
        b.link(encode, 0, sampler, "latent_image");
        b.link(sampler, 0, decode, "samples");
        b.link(loader, 2, decode, "vae");
        control.targets = {decode};
    }

    ModelsFolder models;
    GraphBuilder b;
    NodeId loader = 0, pos = 0, neg = 0, image = 0, encode = 0, sampler = 0, decode = 0;
    Executor executor{engineNodeRegistry()};
    SweepControl control;
};

}  // namespace

TEST_F(SweepPipeline, CellsEqualSeparateRunsAndUpstreamWorkRunsOnce) {
    const Registry& registry = engineNodeRegistry();
    const Sweep sweep = resolveSweep(b.graph, registry, {"KSampler.denoise=0.45:0.6:0.15", "KSampler.cfg=4,7.5"});
    const SweepResult r = runSweep(executor, registry, b.graph, models.env(), sweep, control);
    ASSERT_TRUE(r.succeeded()) << r.message;
    ASSERT_EQ(r.cells.size(), 4u);

    for (const auto* node : {&loader, &pos, &neg, &image, &encode})
        EXPECT_EQ(executor.stats().executions(*node), 1) << b.graph.describeNode(*node) << " runs once for the sweep";
    EXPECT_EQ(executor.stats().executions(sampler), 4);
    EXPECT_EQ(executor.stats().executions(decode), 4);

    const double denoise[] = {0.45, 0.6}, cfg[] = {4.0, 7.5};
    for (const auto& cell : r.cells) {
        GraphBuilder alone = b;
        alone.set(sampler, "denoise", denoise[cell.cell.column]);
        alone.set(sampler, "cfg", cfg[cell.cell.row]);
        Executor separate(registry);  // its own cache: nothing shared with the sweep
        const RunResult want = separate.run(alone.graph, models.env(), {}, {decode});
        ASSERT_TRUE(want.succeeded()) << want.message;
        EXPECT_TRUE(sameTensor(outputTensor(cell.run, decode), outputTensor(want, decode)))
            << "cell " << sweep.describeCell(cell.cell);
    }
    EXPECT_FALSE(sameTensor(outputTensor(r.cells[0].run, decode), outputTensor(r.cells[3].run, decode)))
        << "the swept values change the picture";
}

TEST_F(SweepPipeline, CancelDuringTheSecondCellsSamplerEndsTheSweep) {
    const Registry& registry = engineNodeRegistry();
    const Sweep sweep = resolveSweep(b.graph, registry, {"KSampler.seed=1,2,3"});
    double fractionAtCancel = 0;
    control.observer.event = [&](const SweepCell& cell, const ExecEvent& e, const SweepProgress& p) {
        if (e.kind != ExecEvent::Kind::Progress || cell.index != 1 || e.step != 2) return;
        fractionAtCancel = p.fraction();
        control.cancel.cancel();
    };
    const SweepResult r = runSweep(executor, registry, b.graph, models.env(), sweep, control);
    EXPECT_TRUE(r.cancelled()) << r.message;
    EXPECT_EQ(r.cells.size(), 1u);
    EXPECT_EQ(executor.stats().executions(sampler), 2) << "the third cell never started";
    EXPECT_EQ(executor.stats().executions(decode), 1) << "the second cell stopped in its sampler";
    EXPECT_DOUBLE_EQ(fractionAtCancel, (1 + 2 / 4.0) / 3) << "one cell done, step 2 of 4 in the second";
}
