// UpscaleModelLoader + ImageUpscaleWithModel through the Executor: PyTorch's pixels (clamped, NHWC),
// progress per tile, tiles shrunk to fit the memory left, cancel between tiles, and errors by name.
#include "core/engine/files/safetensors.h"
#include "core/exec/memory_budget.h"
#include "tests/nodes/node_test_fixture.h"
#include "tests/support/tensor_compare.h"

#include <atomic>
#include <thread>

using namespace tessera;

namespace {

std::string upscaleNodeFixture(const std::string& name) {
    return test::sourceDir() + "/tests/fixtures/upscale/" + name;
}

class UpscaleModelNodes : public test::NodeGraphTest {
protected:
    UpscaleModelNodes() {
        nodes::registerUpscaleModelNodes(registry);
        std::filesystem::create_directories(root + "/models/upscale_models");
        for (const char* name : {"rrdb_new_x4.pth", "rrdb_new_x1.safetensors"})
            std::filesystem::copy_file(upscaleNodeFixture(name), root + "/models/upscale_models/" + name);
    }
    ~UpscaleModelNodes() override { setMemoryLimitForTesting(std::nullopt); }

    NodeId upscale(const std::string& model, at::Tensor pixels) {
        const NodeId loader = add("UpscaleModelLoader", {{"model_name", model}});
        const NodeId up = add("ImageUpscaleWithModel");
        link(loader, 0, up, "upscale_model");
        link(image(std::move(pixels)), 0, up, "image");
        return up;
    }
    std::vector<std::pair<int, int>> progressOf(NodeId node) const {
        std::vector<std::pair<int, int>> out;
        for (const auto& e : events)
            if (e.kind == ExecEvent::Kind::Progress && e.node == node) out.emplace_back(e.step, e.total);
        return out;
    }
};

}  // namespace

TEST_F(UpscaleModelNodes, PaintsPyTorchsPixelsClampedToTheImageRange) {
    const auto expected = engine::loadAllTensors(upscaleNodeFixture("expected.safetensors"));
    const NodeId up = upscale("rrdb_new_x4.pth", expected.at("input").permute({0, 2, 3, 1}).contiguous());
    const at::Tensor got = imageOf(up);
    const at::Tensor want = expected.at("rrdb_new_x4").clamp(0.0, 1.0).permute({0, 2, 3, 1});
    ASSERT_EQ(got.sizes(), want.sizes());
    EXPECT_TRUE(test::closeToReference(got, want, 1e-5));
    EXPECT_EQ(progressOf(up), (std::vector<std::pair<int, int>>{{1, 1}}));
}

TEST_F(UpscaleModelNodes, ReportsProgressPerTileAndShrinksTilesToFitMemory) {
    at::manual_seed(3);
    const at::Tensor wide = at::rand({1, 24, 600, 3});
    const NodeId up = upscale("rrdb_new_x1.safetensors", wide);
    const at::Tensor whole = imageOf(up);
    // 512-pixel tiles overlapping by 32 across 600 pixels: two.
    EXPECT_EQ(progressOf(up), (std::vector<std::pair<int, int>>{{1, 2}, {2, 2}}));
    EXPECT_EQ(whole.sizes(), wide.sizes());

    // 512-pixel tiles need about 1.28 MB here (with the 0.58 MB output), 256-pixel ones 0.93 MB: three of those.
    setMemoryLimitForTesting(1'100'000);
    executor.freeAll();
    const at::Tensor small = imageOf(up);
    EXPECT_EQ(progressOf(up), (std::vector<std::pair<int, int>>{{1, 3}, {2, 3}, {3, 3}}));
    EXPECT_LT(test::maxAbsDiff(small, whole), 0.01);

    setMemoryLimitForTesting(700'000);  // 128-pixel tiles need 0.75 MB
    executor.freeAll();
    const std::string e = failureOf(up);
    EXPECT_NE(e.find("upscaling 1 image(s) of 600x24 by 1"), std::string::npos) << e;
    EXPECT_NE(e.find("needs about"), std::string::npos) << e;
}

TEST_F(UpscaleModelNodes, CancelStopsBetweenTiles) {
    const NodeId up = upscale("rrdb_new_x1.safetensors", at::rand({1, 24, 1500, 3}));  // 4 tiles
    std::atomic<bool> handleReady{false};
    RunHandle handle;
    int tilesAfterCancel = -1;
    handle = executor.start(graph, env, [&](const ExecEvent& e) {
        if (e.kind != ExecEvent::Kind::Progress || e.node != up) return;
        while (!handleReady) std::this_thread::yield();
        if (tilesAfterCancel >= 0) ++tilesAfterCancel;
        else if (e.step == 1) {
            handle.cancel();
            tilesAfterCancel = 0;
        }
    }, {up});
    handleReady = true;
    const RunResult r = handle.wait();
    EXPECT_TRUE(r.cancelled()) << r.message;
    EXPECT_EQ(tilesAfterCancel, 0);
}

TEST_F(UpscaleModelNodes, MissingAndForeignFilesFailByName) {
    std::string e = failureOf(upscale("4x-UltraSharp.pth", at::rand({1, 8, 8, 3})));
    EXPECT_NE(e.find("upscale model '4x-UltraSharp.pth' not found"), std::string::npos) << e;

    engine::writeSafetensors(root + "/models/upscale_models/lora.safetensors",
                             {{"lora_unet_down.lora_up.weight", at::zeros({4, 2})}});
    e = failureOf(upscale("lora.safetensors", at::rand({1, 8, 8, 3})));
    EXPECT_NE(e.find("lora.safetensors' is not an upscale model"), std::string::npos) << e;
}
