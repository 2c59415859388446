#include "core/exec/environment.h"
#include "tests/support/refdata.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace tessera;

namespace {

void touch(const fs::path& p) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << "x";
}

}  // namespace

TEST(Environment, FindsModelsInEveryFolderInOrder) {
    const fs::path a = test::makeTempDir("env-a"), b = test::makeTempDir("env-b");
    touch(a / "checkpoints/one.safetensors");
    touch(b / "checkpoints/one.safetensors");
    touch(b / "checkpoints/sd15/two.ckpt");
    Environment env;
    env.modelDirs = {a.string(), b.string()};
    EXPECT_EQ(env.findModel("checkpoints", "one.safetensors"), (a / "checkpoints/one.safetensors").string());
    EXPECT_EQ(env.findModel("checkpoints", "sd15/two.ckpt"), (b / "checkpoints/sd15/two.ckpt").string());
    EXPECT_EQ(env.findModel("checkpoints", "missing.safetensors"), "");
    EXPECT_EQ(env.findModel("vae", "one.safetensors"), "");
    // Names from graph files must not leave the models folders.
    EXPECT_EQ(env.findModel("checkpoints", "../checkpoints/one.safetensors"), "");
    EXPECT_EQ(env.findModel("checkpoints", (a / "checkpoints/one.safetensors").string()), "");
}

TEST(Environment, ListsModelFilesRecursivelySortedAndDeduplicated) {
    const fs::path a = test::makeTempDir("env-list-a"), b = test::makeTempDir("env-list-b");
    touch(a / "loras/zeta.safetensors");
    touch(a / "loras/style/anime.PT");
    touch(a / "loras/readme.txt");
    touch(b / "loras/alpha.bin");
    touch(b / "loras/zeta.safetensors");
    touch(b / "loras/deep/er/model.onnx");
    Environment env;
    env.modelDirs = {a.string(), b.string(), (a / "does-not-exist").string()};
    const std::vector<std::string> want = {"alpha.bin", "deep/er/model.onnx", "style/anime.PT", "zeta.safetensors"};
    EXPECT_EQ(env.listModels("loras"), want);
    EXPECT_TRUE(env.listModels("controlnet").empty());
}

TEST(Environment, InputKindListsImagesInTheInputFolder) {
    const fs::path in = test::makeTempDir("env-input");
    touch(in / "b.png");
    touch(in / "a.JPG");
    touch(in / "sub/c.webp");
    touch(in / "notes.txt");
    touch(in / "model.safetensors");
    Environment env;
    env.inputDir = in.string();
    const std::vector<std::string> want = {"a.JPG", "b.png", "sub/c.webp"};
    EXPECT_EQ(env.listModels("input"), want);
    EXPECT_EQ(env.findModel("input", "sub/c.webp"), (in / "sub/c.webp").string());
    EXPECT_EQ(env.findModel("input", "nope.png"), "");
}
