// validateRun checks what ComfyUI checks before a run: the nodes the outputs depend on, and unknown
// node types wherever they are.
#include "core/exec/run_validation.h"
#include "tests/core/test_nodes.h"

#include <gtest/gtest.h>

using namespace tessera;

namespace {

class RunValidation : public ::testing::Test {
protected:
    NodeId add(const std::string& type) { return graph.addNode(type).id; }
    // Constant -> Record, valid on its own.
    NodeId addValidOutput() {
        const NodeId c = add("Constant"), r = add("Record");
        graph.connect(c, 0, r, "value");
        return r;
    }
    test::TestNodes nodes;
    Graph graph;
};

}  // namespace

TEST_F(RunValidation, DanglingNodeWithAnUnconnectedInputIsNotTheRunsProblem) {
    addValidOutput();
    const NodeId d = add("Double");  // its required input 'x' is free, and nothing uses it
    EXPECT_TRUE(validateRun(graph, nodes.registry, nullptr).empty());
    ASSERT_EQ(validateGraph(graph, nodes.registry).size(), 1u);  // the editor's whole-graph check still sees it
    EXPECT_EQ(validateGraph(graph, nodes.registry)[0].node, d);
}

TEST_F(RunValidation, AnUpstreamProblemIsReported) {
    const NodeId d = add("Double"), r = add("Record");
    graph.connect(d, 0, r, "value");
    const auto issues = validateRun(graph, nodes.registry, nullptr);
    ASSERT_EQ(issues.size(), 1u) << formatIssues(graph, issues);
    EXPECT_EQ(issues[0].message, "Double #1: required input 'x' (INT) is not connected");
}

TEST_F(RunValidation, UnknownTypeAnywhereIsReportedOnce) {
    addValidOutput();
    const NodeId u = add("FancyUpscaler");
    const auto issues = validateRun(graph, nodes.registry, nullptr);
    ASSERT_EQ(issues.size(), 1u) << formatIssues(graph, issues);
    EXPECT_EQ(issues[0].node, u);
    EXPECT_CONTAINS(issues[0].message, "unknown node type 'FancyUpscaler'");

    graph.node(u)->muted = true;  // a muted node is not sent to ComfyUI at all
    EXPECT_TRUE(validateRun(graph, nodes.registry, nullptr).empty());
}

TEST_F(RunValidation, OnlyTheGivenTargetsCount) {
    const NodeId good = addValidOutput();
    const NodeId d = add("Double"), r = add("Record");
    graph.connect(d, 0, r, "value");
    EXPECT_TRUE(validateRun(graph, nodes.registry, nullptr, {good}).empty());
    EXPECT_EQ(validateRun(graph, nodes.registry, nullptr, {r}).size(), 1u);
}

TEST_F(RunValidation, AGraphWithoutOutputsHasNothingToRun) {
    add("Constant");
    const auto issues = validateRun(graph, nodes.registry, nullptr);
    ASSERT_EQ(issues.size(), 1u);
    EXPECT_CONTAINS(issues[0].message, "nothing to run");
}
