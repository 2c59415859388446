#include "core/exec/executor.h"
#include "tests/core/event_log.h"
#include "tests/core/test_nodes.h"
#include "tests/support/refdata.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace tessera;
namespace fs = std::filesystem;

namespace {

class ExecutorCache : public ::testing::Test {
protected:
    NodeId add(const std::string& type) { return graph.addNode(type).id; }
    RunResult run(std::vector<NodeId> targets = {}) {
        log.clear();
        return executor.run(graph, env, log.observer(), targets);
    }
    // Constant(5) -> Double -> Sampler(seed) -> Offset -> Record, and Constant -> Record2.
    void buildPipeline() {
        k = add("Constant");
        graph.node(k)->widgets["value"] = 5;
        d = add("Double");
        s = add("Sampler");
        graph.node(s)->widgets["seed"] = 1;
        o = add("Offset");
        r = add("Record");
        r2 = add("Record");
        graph.connect(k, 0, d, "x");
        graph.connect(d, 0, s, "x");
        graph.connect(s, 0, o, "x");
        graph.connect(o, 0, r, "value");
        graph.connect(k, 0, r2, "value");
    }

    test::TestNodes nodes;
    Executor executor{nodes.registry};
    Graph graph;
    Environment env;
    test::EventLog log;
    NodeId k = 0, d = 0, s = 0, o = 0, r = 0, r2 = 0;
};

}  // namespace

TEST_F(ExecutorCache, UnchangedGraphRerunsOnlyOutputNodes) {
    buildPipeline();
    ASSERT_TRUE(run().succeeded());
    ASSERT_TRUE(run().succeeded());
    for (NodeId id : {k, d, s, o}) EXPECT_EQ(nodes.runs(id), 1) << graph.describeNode(id);
    EXPECT_EQ(nodes.runs(r), 2);
    EXPECT_EQ(nodes.runs(r2), 2);
    EXPECT_EQ(log.of(ExecEvent::Kind::NodeCached).size(), 4u);
    EXPECT_EQ(executor.stats().executions(k), 1);
    EXPECT_EQ(executor.stats().executions(r), 2);
    EXPECT_EQ(executor.stats().executionsOfType("Record"), 4);
    EXPECT_EQ(executor.stats().cacheHits(), 4);
    EXPECT_EQ(executor.stats().cacheHits(s), 1);
}

TEST_F(ExecutorCache, ChangingTheSeedRerunsOnlyTheSamplerAndWhatFollows) {
    buildPipeline();
    ASSERT_TRUE(run().succeeded());
    EXPECT_EQ(nodes.recorded(r).toInt(), 10 * 1000 + 1 + 1);
    graph.node(s)->widgets["seed"] = 2;
    ASSERT_TRUE(run().succeeded());
    EXPECT_EQ(nodes.recorded(r).toInt(), 10 * 1000 + 2 + 1);
    EXPECT_EQ(nodes.runs(k), 1);
    EXPECT_EQ(nodes.runs(d), 1);
    EXPECT_EQ(nodes.runs(s), 2);
    EXPECT_EQ(nodes.runs(o), 2);
    // Back to the first seed: both variants are cached.
    graph.node(s)->widgets["seed"] = 1;
    ASSERT_TRUE(run().succeeded());
    EXPECT_EQ(nodes.runs(s), 2);
    EXPECT_EQ(nodes.runs(o), 2);
    EXPECT_EQ(nodes.recorded(r).toInt(), 10 * 1000 + 1 + 1);
}

TEST_F(ExecutorCache, ChangingOneWidgetRerunsOnlyDownstream) {
    buildPipeline();
    ASSERT_TRUE(run().succeeded());
    graph.node(k)->widgets["value"] = 6;
    ASSERT_TRUE(run().succeeded());
    for (NodeId id : {k, d, s, o}) EXPECT_EQ(nodes.runs(id), 2) << graph.describeNode(id);
    EXPECT_EQ(nodes.recorded(r2).toInt(), 6);
    graph.node(o)->widgets["amount"] = 5;
    ASSERT_TRUE(run().succeeded());
    EXPECT_EQ(nodes.runs(k), 2);
    EXPECT_EQ(nodes.runs(s), 2);
    EXPECT_EQ(nodes.runs(o), 3);
}

TEST_F(ExecutorCache, CachedObjectsAreSharedNotCopied) {
    const NodeId b = add("BlobMaker"), rec = add("Record");
    graph.connect(b, 0, rec, "value");
    const RunResult first = run();
    const RunResult second = run();
    ASSERT_TRUE(first.succeeded() && second.succeeded());
    EXPECT_EQ(first.outputs.at(b)[0].toObject().get(), second.outputs.at(b)[0].toObject().get());
    EXPECT_EQ(nodes.recorded(rec).toObject().get(), first.outputs.at(b)[0].toObject().get());
}

TEST_F(ExecutorCache, RewritingAFileRerunsTheNodeThatReadsIt) {
    const fs::path dir = test::makeTempDir("exec-files");
    fs::create_directories(dir / "checkpoints");
    const fs::path file = dir / "checkpoints/m.safetensors";
    std::ofstream(file) << "abc";
    env.modelDirs = {dir.string()};
    const NodeId f = add("FileSize"), rec = add("Record");
    graph.node(f)->widgets["file"] = "m.safetensors";
    graph.connect(f, 0, rec, "value");
    ASSERT_TRUE(run().succeeded());
    ASSERT_TRUE(run().succeeded());
    EXPECT_EQ(nodes.runs(f), 1);
    EXPECT_EQ(nodes.recorded(rec).toInt(), 3);

    std::ofstream(file) << "abcdefg";
    fs::last_write_time(file, fs::last_write_time(file) + std::chrono::seconds(2));
    ASSERT_TRUE(run().succeeded());
    EXPECT_EQ(nodes.runs(f), 2);
    EXPECT_EQ(nodes.recorded(rec).toInt(), 7);

    // Same size, new content and time: still noticed.
    std::ofstream(file) << "gfedcba";
    fs::last_write_time(file, fs::last_write_time(file) + std::chrono::seconds(4));
    ASSERT_TRUE(run().succeeded());
    EXPECT_EQ(nodes.runs(f), 3);
}

TEST_F(ExecutorCache, MissingModelFileFailsValidationWithWhereToPutIt) {
    const fs::path dir = test::makeTempDir("exec-nofile");
    env.modelDirs = {dir.string()};
    const NodeId f = add("FileSize"), rec = add("Record");
    graph.node(f)->widgets["file"] = "gone.safetensors";
    graph.connect(f, 0, rec, "value");
    const RunResult result = run();
    ASSERT_TRUE(result.failed());
    EXPECT_EQ(result.message,
              "FileSize #1: checkpoint 'gone.safetensors' not found; put it in " + (dir / "checkpoints").string());
    EXPECT_EQ(nodes.runs(f), 0);
}

TEST_F(ExecutorCache, LeastRecentlyUsedOutputsAreEvictedUnderTheBudget) {
    executor.setCacheBudget(250);
    std::vector<NodeId> makers;
    for (int i = 0; i < 3; ++i) {
        const NodeId b = add("BlobMaker"), rec = add("Record");
        graph.node(b)->widgets["value"] = i;
        graph.connect(b, 0, rec, "value");
        makers.push_back(b);
    }
    auto runOnly = [&](NodeId maker) { ASSERT_TRUE(run({maker}).succeeded()); };
    runOnly(makers[0]);
    runOnly(makers[1]);
    EXPECT_EQ(executor.cacheBytes(), 200u);
    runOnly(makers[0]);  // hit: makers[0] becomes the most recently used
    EXPECT_EQ(nodes.runs(makers[0]), 1);
    runOnly(makers[2]);  // 300 > 250: the least recently used (makers[1]) goes
    EXPECT_EQ(executor.cacheBytes(), 200u);
    EXPECT_EQ(executor.cacheEntries(), 2u);
    EXPECT_EQ(executor.stats().evictions(), 1u);
    runOnly(makers[0]);
    EXPECT_EQ(nodes.runs(makers[0]), 1);
    runOnly(makers[1]);
    EXPECT_EQ(nodes.runs(makers[1]), 2);  // was evicted

    // An output bigger than the whole budget is used but not kept.
    graph.node(makers[2])->widgets["bytes"] = 1000;
    runOnly(makers[2]);
    runOnly(makers[2]);
    EXPECT_EQ(nodes.runs(makers[2]), 3);
    EXPECT_LE(executor.cacheBytes(), 250u);
}

TEST_F(ExecutorCache, FreeAllEmptiesTheCache) {
    buildPipeline();
    ASSERT_TRUE(run().succeeded());
    EXPECT_GT(executor.cacheEntries(), 0u);
    executor.freeAll();
    EXPECT_EQ(executor.cacheEntries(), 0u);
    EXPECT_EQ(executor.cacheBytes(), 0u);
    ASSERT_TRUE(run().succeeded());
    for (NodeId id : {k, d, s, o}) EXPECT_EQ(nodes.runs(id), 2) << graph.describeNode(id);
}
