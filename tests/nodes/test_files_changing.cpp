// A checkpoint truncated or rewritten while Tessera has it loaded (a download still running, a copy
// over it) must not kill the process: the loaded model owns its memory, and a reload of the
// changed file is either clean or a clear error.
#include "core/engine/files/safetensors.h"
#include "core/exec/executor.h"
#include "tests/nodes/node_test_fixture.h"
#include "tests/nodes/node_test_support.h"
#include "tests/support/file_size_limit.h"
#include "tests/support/refdata.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <iostream>

#include <unistd.h>

using namespace tessera;
using namespace tessera::test;

TEST(FilesChanging, ACheckpointTruncatedWhileLoadedIsReportedAndTheProcessSurvives) {
    ModelsFolder models;
    // float32 on disk and in memory: before, the loaded weights were views of the file's mapping.
    const std::string path = models.path("checkpoints", "f32.safetensors");
    const auto tensors = engine::loadAllTensors(refdataPath("models/tiny-sd15.safetensors"));
    engine::writeSafetensors(path, tensors);
    Executor executor{engineNodeRegistry()};
    GraphBuilder b;
    const NodeId loader = b.add("CheckpointLoaderSimple", {{"ckpt_name", "f32.safetensors"}});
    const NodeId text = b.add("CLIPTextEncode", {{"text", "a cat"}});
    b.link(loader, 1, text, "clip");
    const NodeId empty = b.add("EmptyLatentImage", {{"width", 64}, {"height", 64}, {"batch_size", 1}});
    const NodeId decode = b.add("VAEDecode");
    b.link(empty, 0, decode, "samples");
    b.link(loader, 2, decode, "vae");
    auto run = [&](Executor::Observer observer = {}) { return executor.run(b.graph, models.env(), observer, {text, decode}); };

    // Cut the file in half right after the loader finished, while the run goes on with the loaded model
    // (a float32 file loaded as float32 used to stay a view of the mapping: SIGBUS in the text encoder).
    const auto half = std::filesystem::file_size(path) / 2;
    RunResult r = run([&](const ExecEvent& e) {
        if (e.kind == ExecEvent::Kind::NodeDone && e.node == loader) {
            ASSERT_EQ(::truncate(path.c_str(), off_t(half)), 0);
        }
    });
    ASSERT_TRUE(r.succeeded()) << r.message;
    ASSERT_EQ(std::filesystem::file_size(path), half);
    const at::Tensor before = outputTensor(r, decode);

    b.set(text, "text", "a dog");  // the next run sees a changed file: the loader reads it again
    r = run();
    ASSERT_TRUE(r.failed());
    EXPECT_EQ(r.failedNode, loader);
    EXPECT_EQ(r.message.rfind("CheckpointLoaderSimple #1: '" + path + "': ", 0), 0u) << r.message;
    EXPECT_NE(r.message.find("truncated"), std::string::npos) << r.message;
    std::cout << "truncated checkpoint: " << r.message << "\n";

    engine::writeSafetensors(path, tensors);  // the download finished
    r = run();
    ASSERT_TRUE(r.succeeded()) << r.message;
    EXPECT_TRUE(at::equal(outputTensor(r, decode), before));
}

namespace {
class SavingImages : public NodeGraphTest {};

std::vector<std::string> filesIn(const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}
}  // namespace

TEST_F(SavingImages, ADiskFullLeavesNoHalfWrittenImage) {
    at::manual_seed(3);
    const NodeId img = image(at::rand({1, 64, 64, 3}));  // noise: a PNG of about 12 KiB
    const NodeId save = add("SaveImage", {{"filename_prefix", "Tessera"}});
    link(img, 0, save, "images");
    {
        FileSizeLimit full(4096);
        EXPECT_EQ(failureOf(save), "SaveImage #2: could not write '" + env.outputDir +
                                       "/Tessera_00001_.png': File too large (is the disk full?)");
    }
    EXPECT_EQ(filesIn(env.outputDir), std::vector<std::string>{});
    const RunResult r = run({save});
    ASSERT_TRUE(r.succeeded()) << r.message;
    EXPECT_EQ(filesIn(env.outputDir), std::vector<std::string>{"Tessera_00001_.png"});
    EXPECT_EQ(std::filesystem::status(env.outputDir + "/Tessera_00001_.png").permissions() & std::filesystem::perms::all,
              std::filesystem::perms(0644));
}
