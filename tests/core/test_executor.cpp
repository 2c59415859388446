#include "core/common/allocator.h"
#include "core/exec/executor.h"
#include "tests/core/event_log.h"
#include "tests/core/test_nodes.h"

#include <gtest/gtest.h>

#include <cstdlib>

using namespace tessera;

namespace {

class ExecutorTest : public ::testing::Test {
protected:
    NodeId add(const std::string& type) { return graph.addNode(type).id; }
    NodeId constant(int v) {
        const NodeId id = add("Constant");
        graph.node(id)->widgets["value"] = v;
        return id;
    }
    RunResult run(std::vector<NodeId> targets = {}) { return executor.run(graph, env, log.observer(), targets); }

    test::TestNodes nodes;
    Executor executor{nodes.registry};
    Graph graph;
    Environment env;
    test::EventLog log;
};

}  // namespace

TEST_F(ExecutorTest, RunsWhatOutputsNeedInDependencyOrder) {
    const NodeId r = add("Record");                        // 1
    const NodeId sum = add("Add");                         // 2
    const NodeId a = constant(3), b = constant(4);         // 3, 4
    const NodeId unused = constant(9);                     // 5: feeds no output
    graph.connect(a, 0, sum, "a");
    graph.connect(b, 0, sum, "b");
    graph.connect(sum, 0, r, "value");
    const RunResult result = run();
    ASSERT_TRUE(result.succeeded()) << result.message;
    EXPECT_EQ(nodes.recorded(r).toInt(), 7);
    EXPECT_EQ(result.outputs.at(sum).at(0).toInt(), 7);
    EXPECT_EQ(result.outputs.count(unused), 0u);
    EXPECT_EQ(nodes.runs(unused), 0);
    const std::vector<std::string> want = {"RunStarted",    "NodeQueued 3",  "NodeQueued 4", "NodeQueued 2",
                                           "NodeQueued 1",  "NodeStarted 3", "NodeDone 3",   "NodeStarted 4",
                                           "NodeDone 4",    "NodeStarted 2", "NodeDone 2",   "NodeStarted 1",
                                           "NodeDone 1",    "RunFinished"};
    EXPECT_EQ(log.trace(), want);
}

TEST_F(ExecutorTest, TargetsRunOnlyWhatTheyNeed) {
    const NodeId a = constant(2), d = add("Double"), r = add("Record");
    graph.connect(a, 0, d, "x");
    graph.connect(d, 0, r, "value");
    const RunResult result = run({d});
    ASSERT_TRUE(result.succeeded()) << result.message;
    EXPECT_EQ(result.outputs.at(d).at(0).toInt(), 4);
    EXPECT_EQ(nodes.runs(r), 0);
}

TEST_F(ExecutorTest, LinkWinsOverWidgetAndDefaultsFillTheRest) {
    const NodeId a = constant(10), o1 = add("Offset"), o2 = add("Offset");
    graph.connect(a, 0, o1, "x");
    graph.connect(a, 0, o2, "x");
    graph.connect(a, 0, o2, "amount");
    graph.node(o2)->widgets["amount"] = 50;  // ignored: linked
    const RunResult result = run({o1, o2});
    ASSERT_TRUE(result.succeeded()) << result.message;
    EXPECT_EQ(result.outputs.at(o1)[0].toInt(), 11);  // default amount 1
    EXPECT_EQ(result.outputs.at(o2)[0].toInt(), 20);
}

TEST_F(ExecutorTest, SeedWidgetIsUsedAsIs) {
    const NodeId a = constant(1), s = add("Sampler");
    graph.connect(a, 0, s, "x");
    graph.node(s)->widgets["seed"] = int64_t(123456789012);
    graph.node(s)->controlAfterGenerate["seed"] = "randomize";
    const RunResult result = run({s});
    ASSERT_TRUE(result.succeeded()) << result.message;
    EXPECT_EQ(result.outputs.at(s)[0].toInt(), 1000 + 123456789012);
    EXPECT_EQ(graph.node(s)->widgets["seed"].toInt(), 123456789012);
}

TEST_F(ExecutorTest, ValidationErrorsFailTheRunBeforeAnythingRuns) {
    const NodeId a = constant(1), d = add("Double"), r = add("Record");
    graph.connect(a, 0, r, "value");
    graph.connect(d, 0, r, "value");  // replaces the link: Double's own input is missing
    graph.node(a)->widgets["value"] = 5000;  // out of range, but Constant #1 is no longer needed
    const RunResult result = run();
    ASSERT_TRUE(result.failed());
    EXPECT_EQ(result.message, "Double #2: required input 'x' (INT) is not connected");
    EXPECT_EQ(result.failedNode, d);
    ASSERT_EQ(result.issues.size(), 1u);
    EXPECT_EQ(nodes.runs(a) + nodes.runs(d) + nodes.runs(r), 0);
    const std::vector<std::string> want = {"RunStarted", "RunFailed"};
    EXPECT_EQ(log.trace(), want);
    EXPECT_EQ(log.of(ExecEvent::Kind::RunFailed).at(0).message, result.message);
}

TEST_F(ExecutorTest, NothingToRunIsAnError) {
    constant(1);
    const RunResult result = run();
    ASSERT_TRUE(result.failed());
    EXPECT_CONTAINS(result.message, "no enabled output node");
}

TEST_F(ExecutorTest, NodeErrorIsAttributedAndAFixedRerunReusesUpstream) {
    const NodeId a = constant(6), d = add("Double"), f = add("Fail"), r = add("Record");
    graph.node(f)->title = "Checker";
    graph.connect(a, 0, d, "x");
    graph.connect(d, 0, f, "x");
    graph.connect(f, 0, r, "value");

    RunResult result = run();
    ASSERT_TRUE(result.failed());
    EXPECT_EQ(result.failedNode, f);
    EXPECT_EQ(result.message, "Checker #3: boom");
    const auto failed = log.of(ExecEvent::Kind::NodeFailed);
    ASSERT_EQ(failed.size(), 1u);
    EXPECT_EQ(failed[0].node, f);
    EXPECT_EQ(failed[0].message, "Checker #3: boom");
    EXPECT_EQ(log.trace().back(), "RunFailed");
    EXPECT_EQ(nodes.runs(r), 0);

    graph.node(f)->widgets["mode"] = "std";
    result = run();
    EXPECT_EQ(result.message, "Checker #3: std failure");
    graph.node(f)->widgets["mode"] = "unknown";
    result = run();
    EXPECT_EQ(result.message, "Checker #3: failed with an unknown error");

    graph.node(f)->widgets["mode"] = "ok";
    log.clear();
    result = run();
    ASSERT_TRUE(result.succeeded()) << result.message;
    EXPECT_EQ(nodes.recorded(r).toInt(), 12);
    EXPECT_EQ(nodes.runs(a), 1);  // upstream results survived the failures
    EXPECT_EQ(nodes.runs(d), 1);
    EXPECT_EQ(nodes.runs(f), 4);
    EXPECT_EQ(log.of(ExecEvent::Kind::NodeCached).size(), 2u);
}

TEST_F(ExecutorTest, ProgressPreviewAndOutputFileEventsReachTheObserver) {
    const NodeId a = constant(7), s = add("Slow"), p = add("Preview");
    graph.connect(a, 0, s, "x");
    graph.connect(s, 0, p, "x");
    const RunResult result = run();
    ASSERT_TRUE(result.succeeded()) << result.message;
    const auto progress = log.of(ExecEvent::Kind::Progress);
    ASSERT_EQ(progress.size(), 10u);
    EXPECT_EQ(progress[0].node, s);
    EXPECT_EQ(progress[0].step, 100);
    EXPECT_EQ(progress[9].step, 1000);
    EXPECT_EQ(progress[9].total, 1000);
    const auto previews = log.of(ExecEvent::Kind::Preview);
    ASSERT_EQ(previews.size(), 1u);
    ASSERT_TRUE(previews[0].preview);
    EXPECT_EQ(previews[0].preview->rgb.at(0), 7);
    const auto files = log.of(ExecEvent::Kind::OutputFile);
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(files[0].node, p);
    EXPECT_EQ(files[0].message, "/tmp/out-7.png");
    const auto done = log.of(ExecEvent::Kind::NodeDone);
    ASSERT_EQ(done.size(), 3u);
    EXPECT_GE(done[1].seconds, 0.9);  // Slow sleeps 1000 x 1 ms
}

TEST_F(ExecutorTest, NotesReachTheObserverAndTheResultInOrderAndCachedNodesSayNothing) {
    const NodeId a = constant(5), n = add("Note"), r = add("Record");
    graph.connect(a, 0, n, "x");
    graph.connect(n, 0, r, "value");
    const RunResult first = run();
    ASSERT_TRUE(first.succeeded()) << first.message;
    const auto notes = log.of(ExecEvent::Kind::NodeNote);
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_EQ(notes[0].node, n);
    EXPECT_EQ(notes[0].message, "saw 5");
    ASSERT_EQ(first.notes.size(), 1u);
    EXPECT_EQ(first.notes[0], std::make_pair(n, std::string("saw 5")));
    const std::vector<std::string> want = {"RunStarted", "NodeQueued 1", "NodeQueued 2", "NodeQueued 3",
                                           "NodeStarted 1", "NodeDone 1", "NodeStarted 2", "NodeNote 2",
                                           "NodeDone 2", "NodeStarted 3", "NodeDone 3", "RunFinished"};
    EXPECT_EQ(log.trace(), want);

    log.clear();
    const RunResult again = run();
    ASSERT_TRUE(again.succeeded()) << again.message;
    EXPECT_EQ(nodes.runs(n), 1);
    EXPECT_TRUE(again.notes.empty());
    EXPECT_TRUE(log.of(ExecEvent::Kind::NodeNote).empty());
}

TEST_F(ExecutorTest, ObserverExceptionsDoNotBreakTheRun) {
    const NodeId a = constant(1), r = add("Record");
    graph.connect(a, 0, r, "value");
    const RunResult result = executor.run(graph, env, [](const ExecEvent&) { throw std::runtime_error("ui bug"); });
    EXPECT_TRUE(result.succeeded()) << result.message;
    EXPECT_EQ(nodes.recorded(r).toInt(), 1);
}

TEST_F(ExecutorTest, HoldsFreedMemoryWhileRunningAndGivesItBackWhenItsQueueEmpties) {
    if (allocatorName() != "tcmalloc") GTEST_SKIP() << "this process runs on " << allocatorName();
    if (std::getenv("TCMALLOC_RELEASE_RATE")) GTEST_SKIP() << "TCMALLOC_RELEASE_RATE is set, and wins";
    const NodeId r = add("Record"), scratch = add("Scratch"), c = constant(5);
    graph.connect(c, 0, scratch, "x");
    graph.connect(scratch, 0, r, "value");
    const RunResult result = run();
    ASSERT_TRUE(result.succeeded()) << result.message;
    EXPECT_EQ(nodes.recorded(r).toInt(), 5);
    EXPECT_TRUE(holdingFreedMemory());
    // The node's 64 MiB were freed during the run and held; the idle executor gave them back.
    EXPECT_LT(allocatorMemory().heldFree, size_t(8) << 20);
}
