#include "core/exec/executor.h"
#include "tests/core/event_log.h"
#include "tests/core/test_nodes.h"

#include <gtest/gtest.h>

#include <chrono>

using namespace tessera;
using Clock = std::chrono::steady_clock;

namespace {

class ExecutorControl : public ::testing::Test {
protected:
    NodeId add(const std::string& type) { return graph.addNode(type).id; }
    NodeId constant(int v) {
        const NodeId id = add("Constant");
        graph.node(id)->widgets["value"] = v;
        return id;
    }
    // Constant(3) -> Slow -> Record
    void buildSlow() {
        c = constant(3);
        slow = add("Slow");
        rec = add("Record");
        graph.connect(c, 0, slow, "x");
        graph.connect(slow, 0, rec, "value");
    }
    bool waitForEvent(ExecEvent::Kind kind) {
        const auto until = Clock::now() + std::chrono::seconds(5);
        while (Clock::now() < until) {
            if (!log.of(kind).empty()) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        return false;
    }

    test::TestNodes nodes;
    Executor executor{nodes.registry};
    Graph graph;
    Environment env;
    test::EventLog log;
    NodeId c = 0, slow = 0, rec = 0;
};

double msSince(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

}  // namespace

TEST_F(ExecutorControl, StartReturnsBeforeASlowRunFinishes) {
    buildSlow();
    const auto t0 = Clock::now();
    RunHandle h = executor.start(graph, env, log.observer());
    EXPECT_LT(msSince(t0), 100.0);
    EXPECT_FALSE(h.finished());
    EXPECT_TRUE(executor.busy());
    const RunResult result = h.wait();
    EXPECT_TRUE(h.finished());
    ASSERT_TRUE(result.succeeded()) << result.message;
    EXPECT_GE(msSince(t0), 1000.0);
    EXPECT_EQ(nodes.recorded(rec).toInt(), 3);
}

TEST_F(ExecutorControl, CancelMidNodeEndsQuicklyAndKeepsFinishedNodesCached) {
    buildSlow();
    RunHandle h = executor.start(graph, env, log.observer());
    ASSERT_TRUE(waitForEvent(ExecEvent::Kind::Progress));  // Slow is at least 100 steps in
    const auto t0 = Clock::now();
    h.cancel();
    ASSERT_TRUE(h.waitFor(std::chrono::milliseconds(1000)));
    EXPECT_LT(msSince(t0), 100.0);
    const RunResult result = h.wait();
    EXPECT_TRUE(result.cancelled());
    EXPECT_EQ(log.trace().back(), "RunCancelled");
    EXPECT_TRUE(log.of(ExecEvent::Kind::NodeFailed).empty());
    EXPECT_EQ(nodes.runs(rec), 0);

    log.clear();
    graph.node(slow)->type = "Double";  // make the rerun quick; Constant #1 must come from the cache
    const RunResult again = executor.run(graph, env, log.observer());
    ASSERT_TRUE(again.succeeded()) << again.message;
    EXPECT_EQ(nodes.runs(c), 1);
    EXPECT_EQ(nodes.recorded(rec).toInt(), 6);
}

TEST_F(ExecutorControl, RunsQueueAndACancelledQueuedRunNeverStarts) {
    buildSlow();
    RunHandle first = executor.start(graph, env, log.observer());
    test::EventLog secondLog;
    RunHandle second = executor.start(graph, env, secondLog.observer());
    test::EventLog thirdLog;
    graph.node(c)->widgets["value"] = 4;
    RunHandle third = executor.start(graph, env, thirdLog.observer());
    second.cancel();
    EXPECT_FALSE(first.finished());
    EXPECT_TRUE(first.wait().succeeded());
    EXPECT_TRUE(second.wait().cancelled());
    const std::vector<std::string> cancelled = {"RunStarted", "RunCancelled"};
    EXPECT_EQ(secondLog.trace(), cancelled);
    EXPECT_TRUE(third.wait().succeeded());
    EXPECT_EQ(nodes.recorded(rec).toInt(), 4);
}

TEST_F(ExecutorControl, DestroyingTheExecutorCancelsItsRuns) {
    buildSlow();
    RunHandle h;
    const auto t0 = Clock::now();
    {
        Executor local(nodes.registry);
        h = local.start(graph, env, log.observer());
        ASSERT_TRUE(waitForEvent(ExecEvent::Kind::NodeStarted));
    }
    EXPECT_LT(msSince(t0), 900.0);
    EXPECT_TRUE(h.finished());
    EXPECT_TRUE(h.wait().cancelled());
}

TEST_F(ExecutorControl, BypassedNodePassesItsInputThrough) {
    const NodeId k = constant(5), d = add("Double"), r = add("Record");
    graph.connect(k, 0, d, "x");
    graph.connect(d, 0, r, "value");
    graph.node(d)->bypassed = true;
    const RunResult result = executor.run(graph, env, log.observer());
    ASSERT_TRUE(result.succeeded()) << result.message;
    EXPECT_EQ(nodes.recorded(r).toInt(), 5);
    EXPECT_EQ(nodes.runs(d), 0);
    graph.node(d)->bypassed = false;
    ASSERT_TRUE(executor.run(graph, env).succeeded());
    EXPECT_EQ(nodes.recorded(r).toInt(), 10);
}

TEST_F(ExecutorControl, BypassWithoutAMatchingInputNamesTheNode) {
    const NodeId k = constant(5), t = add("ToText"), r = add("Record");
    graph.connect(k, 0, t, "x");
    graph.connect(t, 0, r, "value");
    graph.node(t)->bypassed = true;
    const RunResult result = executor.run(graph, env);
    ASSERT_TRUE(result.failed());
    EXPECT_EQ(result.failedNode, t);
    EXPECT_CONTAINS(result.message, "ToText #2 is bypassed, but has no connected STRING input to pass through to its "
                                    "output 'STRING' (needed by Record #3)");
    EXPECT_EQ(nodes.runs(k), 0);
}

TEST_F(ExecutorControl, MutedNodesNeverRunAndTheirConsumersFail) {
    const NodeId k = constant(5), d = add("Double"), r = add("Record"), r2 = add("Record");
    graph.connect(k, 0, d, "x");
    graph.connect(d, 0, r, "value");
    graph.connect(k, 0, r2, "value");
    graph.node(r)->muted = true;  // a muted output is simply not run
    RunResult result = executor.run(graph, env);
    ASSERT_TRUE(result.succeeded()) << result.message;
    EXPECT_EQ(nodes.runs(r), 0);
    EXPECT_EQ(nodes.runs(d), 0);  // only the muted output needed it
    EXPECT_EQ(nodes.recorded(r2).toInt(), 5);

    graph.node(r)->muted = false;
    graph.node(d)->muted = true;
    result = executor.run(graph, env);
    ASSERT_TRUE(result.failed());
    EXPECT_EQ(result.failedNode, r);
    EXPECT_CONTAINS(result.message, "Record #3 needs the output of Double #2 for input 'value', but that node is muted");
    EXPECT_EQ(nodes.runs(d), 0);
}
