#include "core/exec/environment.h"
#include "core/graph/validation.h"
#include "tests/core/test_nodes.h"
#include "tests/support/refdata.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace tessera;

namespace {

class Validation : public ::testing::Test {
protected:
    NodeId add(const std::string& type) { return graph.addNode(type).id; }
    std::vector<ValidationIssue> validate(const Environment* env = nullptr) {
        return validateGraph(graph, nodes.registry, env);
    }
    // The one issue there must be.
    ValidationIssue only(const Environment* env = nullptr) {
        auto issues = validate(env);
        EXPECT_EQ(issues.size(), 1u) << formatIssues(graph, issues);
        return issues.empty() ? ValidationIssue{} : issues.front();
    }
    test::TestNodes nodes;
    Graph graph;
};

}  // namespace

TEST_F(Validation, ValidGraphHasNoIssues) {
    const NodeId c = add("Constant"), r = add("Record");
    graph.node(c)->widgets["value"] = 5;
    graph.connect(c, 0, r, "value");
    EXPECT_TRUE(validate().empty()) << formatIssues(graph, validate());
}

TEST_F(Validation, UnknownTypeIsReportedAndTheRestStillValidated) {
    const NodeId u = add("FancyUpscaler"), d = add("Double");
    const auto issues = validate();
    ASSERT_EQ(issues.size(), 2u);
    EXPECT_EQ(issues[0].node, u);
    EXPECT_CONTAINS(issues[0].message, "FancyUpscaler #1: unknown node type 'FancyUpscaler'");
    EXPECT_EQ(issues[1].node, d);
    EXPECT_EQ(issues[1].input, "x");
    EXPECT_EQ(issues[1].message, "Double #2: required input 'x' (INT) is not connected");
}

TEST_F(Validation, LinkFromMissingNode) {
    const NodeId d = add("Double");
    graph.connect(42, 0, d, "x");
    const auto i = only();
    EXPECT_EQ(i.node, d);
    EXPECT_EQ(i.input, "x");
    EXPECT_CONTAINS(i.message, "Double #1: input 'x' is linked from node #42, which does not exist");
}

TEST_F(Validation, LinkFromMissingOutputSlot) {
    const NodeId c = add("Constant"), d = add("Double");
    graph.connect(c, 3, d, "x");
    EXPECT_CONTAINS(only().message, "Double #2: input 'x' is linked from output 3 of Constant #1, which has only 1 output(s)");
}

TEST_F(Validation, LinkIntoUndeclaredInput) {
    const NodeId c = add("Constant"), d = add("Double");
    graph.connect(c, 0, d, "x");
    graph.connect(c, 0, d, "y");
    const auto i = only();
    EXPECT_EQ(i.input, "y");
    EXPECT_CONTAINS(i.message, "Double #2: there is no input 'y', but a link from Constant #1 goes into it");
}

TEST_F(Validation, IncompatibleLinkNamesBothTypes) {
    const NodeId c = add("Constant"), t = add("ToText"), d = add("Double");
    graph.connect(c, 0, t, "x");
    graph.connect(t, 0, d, "x");
    EXPECT_CONTAINS(only().message, "Double #3: input 'x' expects INT but is linked from ToText #2's output 'STRING' of type STRING");
}

TEST_F(Validation, MissingWidgetValueWithoutDefault) {
    NodeDecl decl;
    decl.type = "Prompt";
    decl.inputs = {test::TestNodes::widget("text", "STRING", Value())};
    decl.outputs = {{"STRING", "STRING"}};
    decl.run = [](NodeContext&) { return std::vector<Value>{}; };
    nodes.registry.add(decl);
    const NodeId p = add("Prompt");
    EXPECT_EQ(only().message, "Prompt #1: input 'text' has no value; set it or connect it");
    graph.node(p)->widgets["text"] = "a cat";
    EXPECT_TRUE(validate().empty());
}

TEST_F(Validation, WidgetValueOfWrongKind) {
    const NodeId c = add("Constant");
    graph.node(c)->widgets["value"] = "seven";
    EXPECT_EQ(only().message, "Constant #1: input 'value' expects INT, but its value is \"seven\" (STRING)");
    graph.node(c)->widgets["value"] = 7.0;  // a whole number stored as a float is fine
    EXPECT_TRUE(validate().empty());
    graph.node(c)->widgets["value"] = 7.5;
    EXPECT_CONTAINS(only().message, "expects INT, but its value is 7.5 (FLOAT)");
}

TEST_F(Validation, WidgetValueOutOfRange) {
    const NodeId s = add("Sampler"), c = add("Constant");
    graph.connect(c, 0, s, "x");
    graph.node(s)->widgets["steps"] = 0;
    EXPECT_EQ(only().message, "Sampler #1: input 'steps' is 0, below its minimum 1");
    graph.node(s)->widgets["steps"] = 101;
    EXPECT_EQ(only().message, "Sampler #1: input 'steps' is 101, above its maximum 100");
}

TEST_F(Validation, ComboValueNotAmongChoices) {
    const NodeId c = add("Constant"), f = add("Fail");
    graph.connect(c, 0, f, "x");
    graph.node(f)->widgets["mode"] = "explode";
    EXPECT_EQ(only().message,
              "Fail #2: input 'mode' is \"explode\", which is not one of its choices: error, std, unknown, ok");
    graph.node(f)->widgets["mode"] = "eror";
    EXPECT_EQ(only().message, "Fail #2: input 'mode' is \"eror\", which is not one of its choices (did you mean "
                              "'error'?): error, std, unknown, ok");
}

TEST_F(Validation, ModelFileMustExistWhenEnvironmentGiven) {
    const auto dir = std::filesystem::path(test::makeTempDir("validation-models"));
    Environment env;
    env.modelDirs = {dir.string()};
    const NodeId f = add("FileSize");
    graph.node(f)->widgets["file"] = "x.safetensors";
    EXPECT_TRUE(validate().empty());  // without an environment files are not checked
    const auto i = only(&env);
    EXPECT_EQ(i.input, "file");
    EXPECT_EQ(i.message, "FileSize #1: checkpoint 'x.safetensors' not found; put it in " + (dir / "checkpoints").string());
    std::filesystem::create_directories(dir / "checkpoints");
    std::ofstream(dir / "checkpoints/x.safetensors") << "weights";
    EXPECT_TRUE(validate(&env).empty());
}

TEST_F(Validation, CycleNamesEveryNodeInOrder) {
    const NodeId a = add("Add"), b = add("Double"), c = add("Double"), k = add("Constant");
    graph.connect(k, 0, a, "a");
    graph.connect(c, 0, a, "b");
    graph.connect(a, 0, b, "x");
    graph.connect(b, 0, c, "x");
    const auto i = only();
    EXPECT_EQ(i.node, a);
    EXPECT_CONTAINS(i.message, "cycle: Add #1 -> Double #2 -> Double #3 -> Add #1");
}

TEST_F(Validation, WidgetTurnedIntoInputNeedsALink) {
    const NodeId c = add("Constant"), src = add("Constant"), r = add("Record");
    graph.connect(c, 0, r, "value");
    graph.node(c)->widgetInputs.insert("value");
    const auto i = only();
    EXPECT_EQ(i.node, c);
    EXPECT_EQ(i.input, "value");
    EXPECT_CONTAINS(i.message, "Constant #1: missing input 'value' (INT): the widget was turned into an input");
    graph.connect(src, 0, c, "value");
    EXPECT_TRUE(validate().empty()) << formatIssues(graph, validate());
}

TEST_F(Validation, MutedNodesAreNotValidated) {
    const NodeId d = add("Double");
    graph.node(d)->muted = true;
    EXPECT_TRUE(validate().empty());
}

TEST_F(Validation, LinkWinsOverAnInvalidWidget) {
    const NodeId c = add("Constant"), o = add("Offset");
    graph.connect(c, 0, o, "x");
    graph.node(o)->widgets["amount"] = 1000;  // out of range, but fed by a link below
    EXPECT_EQ(validate().size(), 1u);
    graph.connect(c, 0, o, "amount");
    EXPECT_TRUE(validate().empty());
}

TEST_F(Validation, DoesNotModifyTheGraphAndFormatsOneLinePerIssue) {
    add("Double");
    add("Nope");
    const Graph before = graph;
    const auto issues = validate();
    EXPECT_EQ(graph.nodes().size(), before.nodes().size());
    EXPECT_EQ(graph.links().size(), before.links().size());
    const std::string text = formatIssues(graph, issues);
    EXPECT_EQ(text, issues[0].message + "\n" + issues[1].message);
    EXPECT_EQ(formatIssues(graph, {{1, "x", "something odd"}}), "Double #1: something odd");
}
