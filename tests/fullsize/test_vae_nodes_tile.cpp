// The VAE nodes past the size they always run whole (800x800 pixels, 100x100 latent cells): whole where the
// whole run's estimate fits the memory available, else in tiles, and then the node tells the user so, with
// both figures. Real nodes through the Executor on the tiny VAE: 10 s plain, a minute sanitized.
#include "core/engine/networks/vae.h"
#include "core/exec/executor.h"
#include "core/exec/memory_budget.h"
#include "nodes/builtin_nodes.h"
#include "nodes/memory_estimates.h"
#include "nodes/values.h"
#include "tests/support/memory_limit_for_test.h"
#include "tests/support/refdata.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <optional>

using namespace tessera;

namespace {

NodeId addNode(Graph& g, const std::string& type, std::map<std::string, Value> widgets) {
    Node& n = g.addNode(type);
    n.widgets = std::move(widgets);
    return n.id;
}

}  // namespace

TEST(VaeNodesPastTheWholeSize, SayWhenMemoryMakesThemTile) {
    namespace fs = std::filesystem;
    const std::string models = test::makeTempDir("vae-tile-models");
    fs::create_directories(models + "/vae");
    fs::create_symlink(fs::absolute(test::refdataPath("models/tiny-vae.safetensors")), models + "/vae/tiny-vae.safetensors");
    Registry registry;
    nodes::registerBuiltinNodes(registry);
    Executor executor(registry);
    Environment env;
    env.modelDirs = {models};
    env.device = "cpu";
    env.precision = "fp32";
    env.outputDir = env.tempDir = env.inputDir = test::makeTempDir("vae-tile-out");

    Graph g;
    const NodeId loader = addNode(g, "VAELoader", {{"vae_name", "tiny-vae.safetensors"}});
    const NodeId empty = addNode(g, "EmptyLatentImage", {{"width", 800}, {"height", 800}, {"batch_size", 1}});
    const NodeId decode = addNode(g, "VAEDecode", {});
    g.connect(empty, 0, decode, "samples");
    g.connect(loader, 0, decode, "vae");
    const NodeId grey = addNode(g, "EmptyImage", {{"width", 800}, {"height", 800}, {"color", 0x808080}});
    const NodeId encode = addNode(g, "VAEEncode", {});
    g.connect(grey, 0, encode, "pixels");
    g.connect(loader, 0, encode, "vae");

    const RunResult loaded = executor.run(g, env, {}, {loader});
    ASSERT_TRUE(loaded.succeeded()) << loaded.message;
    const engine::VaeConfig vae = loaded.outputs.at(loader).at(0).as<nodes::VaeValue>()->vae->config();
    const uint64_t wholeDecode = nodes::vaeDecodeBytes(vae, 1, 100, 100, 4, 0);
    const uint64_t wholeEncode = nodes::vaeEncodeBytes(vae, 1, 800, 800, 4, 0);
    const uint64_t tiled = std::max(nodes::vaeDecodeBytes(vae, 1, 100, 100, 4, 64), nodes::vaeEncodeBytes(vae, 1, 800, 800, 4, 64));
    const uint64_t between = tiled + (std::min(wholeDecode, wholeEncode) - tiled) / 2;
    ASSERT_LT(tiled, between);
    ASSERT_LT(between, std::min(wholeDecode, wholeEncode));
    {
        test::MemoryLimitForTest limit(between);
        const RunResult r = executor.run(g, env, {}, {decode, encode});
        ASSERT_TRUE(r.succeeded()) << r.message;
        ASSERT_EQ(r.notes.size(), 2u);
        const std::map<NodeId, std::string> notes(r.notes.begin(), r.notes.end());
        EXPECT_EQ(notes.at(decode), "ran in tiles of 512 pixels: decoding 1 image(s) of 800x800 pixels at once needs about " +
                                        formatBytes(wholeDecode) + ", and " + formatBytes(between) +
                                        " is available (the memory limit set for this run); the tiles' seams are "
                                        "blended, so the result can differ slightly from ComfyUI's whole run");
        EXPECT_EQ(notes.at(encode).rfind("ran in tiles of 512 pixels: encoding 1 image(s) of 800x800 pixels at once needs "
                                         "about " + formatBytes(wholeEncode) + ", and ", 0),
                  0u)
            << notes.at(encode);
    }
    {
        test::MemoryLimitForTest limit(uint64_t(64) << 30);
        executor.freeAll();  // nothing cached: both run again, whole
        const RunResult r = executor.run(g, env, {}, {decode, encode});
        ASSERT_TRUE(r.succeeded()) << r.message;
        EXPECT_TRUE(r.notes.empty());
    }
}
