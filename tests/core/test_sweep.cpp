// Sweeps (core/sweep): axis values as users type them, node references, cells, the saved sweep,
// and running a grid on the Executor with the counting test nodes.
#include "core/io/comfyui_import.h"
#include "core/io/graph_json.h"
#include "core/sweep/sweep_runner.h"
#include "tests/core/test_nodes.h"

#include <gtest/gtest.h>

#include <cstdlib>

using namespace tessera;
using test::TestNodes;

namespace {

template <class F>
std::string errorOf(F&& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "(no error)";
}

std::vector<double> floats(const SweepValues& v) {
    std::vector<double> out;
    for (const auto& x : v.values) {
        EXPECT_TRUE(x.isFloat());
        out.push_back(x.toFloat());
    }
    return out;
}

std::vector<int64_t> ints(const SweepValues& v) {
    std::vector<int64_t> out;
    for (const auto& x : v.values) {
        EXPECT_TRUE(x.isInt());
        out.push_back(x.toInt());
    }
    return out;
}

const InputDecl kFloat = TestNodes::widget("cfg", "FLOAT", 8.0, 0.0, 30.0);
const InputDecl kInt = TestNodes::widget("steps", "INT", 20, 1, 100);

SweepValues parse(const InputDecl& in, const std::string& text) { return parseSweepValues(in, text, "--sweep X"); }

}  // namespace

TEST(SweepValues, FloatRangesHitTheEndExactlyOnceAndEqualTheTypedDecimals) {
    const SweepValues v = parse(kFloat, "0.3:0.9:0.15");
    EXPECT_EQ(floats(v), (std::vector<double>{0.3, 0.45, 0.6, 0.75, 0.9}));  // 0.3 + 2 * 0.15 would be 0.6000000000000001
    EXPECT_EQ(v.labels, (std::vector<std::string>{"0.30", "0.45", "0.60", "0.75", "0.90"}));
    for (size_t i = 0; i < v.values.size(); ++i)
        EXPECT_EQ(v.values[i].toFloat(), std::strtod(v.labels[i].c_str(), nullptr)) << "a cell equals --set with its label";

    const auto tenths = floats(parse(kFloat, "0:1:0.1"));
    ASSERT_EQ(tenths.size(), 11u);
    EXPECT_EQ(tenths[3], 0.3);
    EXPECT_EQ(tenths.back(), 1.0);
    EXPECT_EQ(floats(parse(kFloat, "0:1:0.3")), (std::vector<double>{0, 0.3, 0.6, 0.9})) << "1 is off the grid";
    EXPECT_EQ(floats(parse(kFloat, "1:0:-0.25")), (std::vector<double>{1, 0.75, 0.5, 0.25, 0}));
    EXPECT_EQ(floats(parse(kFloat, "7:7:1")), (std::vector<double>{7}));
    EXPECT_EQ(parse(kFloat, "1e-3:3e-3:1e-3").values.size(), 3u);
}

TEST(SweepValues, IntRangesAndLists) {
    EXPECT_EQ(ints(parse(kInt, "1:4")), (std::vector<int64_t>{1, 2, 3, 4}));
    EXPECT_EQ(ints(parse(kInt, "10:1:-3")), (std::vector<int64_t>{10, 7, 4, 1}));
    EXPECT_EQ(ints(parse(kInt, "0:100:25")), (std::vector<int64_t>{0, 25, 50, 75, 100}));
    EXPECT_EQ(ints(parse(kInt, " 4, 7 ,10 ")), (std::vector<int64_t>{4, 7, 10}));
    EXPECT_EQ(parse(kInt, "4, 7 ,10").labels, (std::vector<std::string>{"4", "7", "10"}));
    EXPECT_EQ(floats(parse(kFloat, "4,7.5")), (std::vector<double>{4, 7.5}));
}

TEST(SweepValues, TextSamplersAndBooleans) {
    InputDecl sampler = TestNodes::widget("sampler_name", "COMBO", "euler");
    sampler.choices = {"euler", "heun", "dpmpp_2m"};
    const SweepValues s = parse(sampler, "euler,dpmpp_2m");
    ASSERT_EQ(s.values.size(), 2u);
    EXPECT_EQ(s.values[1].toString(), "dpmpp_2m");

    InputDecl prompt = TestNodes::widget("text", "STRING", "");
    prompt.multiline = true;
    const SweepValues p = parse(prompt, "a cat, oil painting | a dog, watercolor|(fox:1.2)");
    ASSERT_EQ(p.values.size(), 3u) << "prompts keep their commas: variants split on '|'";
    EXPECT_EQ(p.values[0].toString(), "a cat, oil painting");
    EXPECT_EQ(p.values[1].toString(), "a dog, watercolor");
    EXPECT_EQ(p.values[2].toString(), "(fox:1.2)") << "':' is a range only for numbers";

    const SweepValues b = parse(TestNodes::widget("flag", "BOOLEAN", false), "true,false");
    ASSERT_EQ(b.values.size(), 2u);
    EXPECT_TRUE(b.values[0].isBool() && b.values[0].toBool());
    EXPECT_FALSE(b.values[1].toBool());
}

TEST(SweepValues, BadValuesSayWhatIsWrong) {
    EXPECT_CONTAINS(errorOf([] { parse(kFloat, "0.3:0.9"); }), "--sweep X: a range of decimals needs a step");
    EXPECT_CONTAINS(errorOf([] { parse(kInt, "1:5:0"); }), "the step of a range cannot be 0");
    EXPECT_CONTAINS(errorOf([] { parse(kFloat, "0:1:0"); }), "the step of a range cannot be 0");
    EXPECT_CONTAINS(errorOf([] { parse(kInt, "5:1:1"); }), "the step 1 never gets from 5 to 1");
    EXPECT_CONTAINS(errorOf([] { parse(kFloat, "0.9:0.3:0.15"); }), "never gets from 0.9 to 0.3");
    EXPECT_CONTAINS(errorOf([] { parse(kInt, "1:2:3:4"); }), "'1:2:3:4' is not a range; write a:b:step");
    EXPECT_CONTAINS(errorOf([] { parse(kInt, "4,,7"); }), "an empty value in '4,,7'");
    EXPECT_CONTAINS(errorOf([] { parse(kInt, "4,x"); }), "'x' is not a whole number");
    EXPECT_CONTAINS(errorOf([] { parse(kFloat, "0.3:abc:0.1"); }), "'abc' is not a number");
    EXPECT_CONTAINS(errorOf([] { parse(kInt, " "); }), "no values");
    EXPECT_CONTAINS(errorOf([] { parse(kInt, "0:5000"); }), "5001 values; a sweep axis takes at most 1000");
}

namespace {

// Constant -> Knobs(cfg, text, sampler) -> Sampler(seed) -> Record, with counting nodes.
class SweepTest : public ::testing::Test {
protected:
    SweepTest() {
        InputDecl text = TestNodes::widget("text", "STRING", "");
        text.multiline = true;
        InputDecl sampler = TestNodes::widget("sampler_name", "COMBO", "euler");
        sampler.choices = {"euler", "heun"};
        NodeDecl d;
        d.type = "Knobs";
        d.displayName = "Knobs";
        d.inputs = {TestNodes::port("x", "INT"), TestNodes::widget("cfg", "FLOAT", 8.0, 0.0, 30.0), text, sampler,
                    TestNodes::widget("filename_prefix", "STRING", "unused")};
        d.outputs = {{"INT", "INT"}};
        d.run = [this](NodeContext& c) {
            ++knobRuns;
            return std::vector<Value>{c.getInt("x") + int64_t(c.getFloat("cfg") * 10)};
        };
        nodes.registry.add(d);

        constant = graph.addNode("Constant").id;
        graph.node(constant)->widgets["value"] = 1;
        knobs = graph.addNode("Knobs").id;
        sampler_ = graph.addNode("Sampler").id;
        record = graph.addNode("Record").id;
        graph.connect(constant, 0, knobs, "x");
        graph.connect(knobs, 0, sampler_, "x");
        graph.connect(sampler_, 0, record, "value");
    }

    TestNodes nodes;
    Executor executor{nodes.registry};
    Graph graph;
    Environment env;
    NodeId constant = 0, knobs = 0, sampler_ = 0, record = 0;
    std::atomic<int> knobRuns{0};
};

}  // namespace

TEST_F(SweepTest, AxesNameNodesByIdTitleOrTypeAndAmbiguityListsTheCandidates) {
    const SweepAxis byType = resolveSweepAxis(graph, nodes.registry, "Knobs.cfg=4,7,10");
    EXPECT_EQ(byType.node, knobs);
    EXPECT_EQ(byType.name, "Knobs.cfg");
    EXPECT_EQ(byType.input, "cfg");
    EXPECT_EQ(byType.size(), 3u);
    EXPECT_EQ(resolveSweepAxis(graph, nodes.registry, std::to_string(sampler_) + ".seed=1:3").node, sampler_);
    graph.node(knobs)->title = "My knobs.v2";
    EXPECT_EQ(resolveSweepAxis(graph, nodes.registry, "My knobs.v2.cfg=4").node, knobs) << "titles may hold dots";

    const NodeId second = graph.addNode("Sampler").id;
    graph.node(second)->title = "Refiner";
    graph.connect(knobs, 0, second, "x");
    EXPECT_EQ(resolveSweepAxis(graph, nodes.registry, "Refiner.steps=4,8").node, second);
    const std::string ambiguous = errorOf([&] { resolveSweepAxis(graph, nodes.registry, "Sampler.steps=4,8"); });
    EXPECT_CONTAINS(ambiguous, "'Sampler' matches several nodes (Sampler #3, Refiner #5); use the node id");
}

TEST_F(SweepTest, BadAxesAreRefusedWithTheNodeNamed) {
    const auto& r = nodes.registry;
    EXPECT_CONTAINS(errorOf([&] { resolveSweepAxis(graph, r, "cfg=4"); }), "--sweep expects NODE.INPUT=VALUES");
    EXPECT_CONTAINS(errorOf([&] { resolveSweepAxis(graph, r, "Knobs.cfg"); }), "--sweep expects NODE.INPUT=VALUES");
    EXPECT_CONTAINS(errorOf([&] { resolveSweepAxis(graph, r, "Nope.cfg=4"); }), "no node is titled or of type 'Nope'");
    EXPECT_CONTAINS(errorOf([&] { resolveSweepAxis(graph, r, "99.cfg=4"); }), "there is no node with id 99");
    EXPECT_CONTAINS(errorOf([&] { resolveSweepAxis(graph, r, "Knobs.cgf=4"); }),
                    "--sweep Knobs #2.cgf: Knobs has no input 'cgf' (its widgets: cfg, text, sampler_name");
    EXPECT_CONTAINS(errorOf([&] { resolveSweepAxis(graph, r, "Record.value=4"); }), "'value' is a * port, not a value");
    EXPECT_CONTAINS(errorOf([&] { resolveSweepAxis(graph, r, "Knobs.x=4"); }), "--sweep Knobs #2.x: the input is fed by a link");
    graph.node(knobs)->widgetInputs.insert("cfg");
    graph.connect(constant, 0, knobs, "cfg");
    EXPECT_CONTAINS(errorOf([&] { resolveSweepAxis(graph, r, "Knobs.cfg=4"); }),
                    "--sweep Knobs #2.cfg: the input is fed by a link");
    EXPECT_CONTAINS(errorOf([&] { resolveSweep(graph, r, {"Sampler.seed=1,2", "3.seed=4"}); }), "both axes change Sampler #3.seed");
    EXPECT_CONTAINS(errorOf([&] { resolveSweep(graph, r, {"Sampler.seed=1", "Sampler.steps=1", "Knobs.text=a"}); }),
                    "one or two axes");
    EXPECT_CONTAINS(errorOf([&] { resolveSweep(graph, r, {"Sampler.seed=0:999", "Sampler.steps=1:100"}); }),
                    "1000 x 100 cells; a sweep runs at most 10000");
}

TEST_F(SweepTest, CellsAreRowMajorWithTheirValuesSetAndFileTags) {
    const Sweep sweep = resolveSweep(graph, nodes.registry, {"Knobs.cfg=0.5:1.5:0.5", "Knobs.text=a cat, red|a/dog"});
    EXPECT_EQ(sweep.columns(), 3u);
    EXPECT_EQ(sweep.rows(), 2u);
    const auto cells = sweep.cells();
    ASSERT_EQ(cells.size(), 6u);
    EXPECT_EQ(cells[4].column, 1u);
    EXPECT_EQ(cells[4].row, 1u);
    EXPECT_EQ(cells[4].index, 4u);
    EXPECT_EQ(sweep.describeCell(cells[4]), "Knobs.cfg=1.0, Knobs.text=a/dog");
    EXPECT_EQ(cellFileTag(sweep, cells[0]), "cfg-0.5_text-a_cat__red");
    EXPECT_EQ(cellFileTag(sweep, cells[4]), "cfg-1.0_text-a_dog");

    Graph saved = graph;
    saveSweep(saved, {"Knobs.cfg=0.5:1.5:0.5"});
    const Graph cell = cellGraph(saved, sweep, cells[5]);
    EXPECT_EQ(cell.node(knobs)->widgets.at("cfg").toFloat(), 1.5);
    EXPECT_EQ(cell.node(knobs)->widgets.at("text").toString(), "a/dog");
    EXPECT_TRUE(savedSweep(cell).empty()) << "a cell's images embed a graph that runs once";
    const Sweep oneAxis = resolveSweep(graph, nodes.registry, {"Knobs.cfg=1,2"});
    EXPECT_EQ(oneAxis.rows(), 1u) << "one axis: one row";
    EXPECT_EQ(oneAxis.cellCount(), 2u);
}

TEST_F(SweepTest, TheSweepIsSavedWithTheGraph) {
    const std::vector<std::string> axes{"Knobs.cfg=4,7,10", "Knobs.text=a cat, red|a \"dog\""};
    saveSweep(graph, axes);
    const Graph back = graphFromJson(graphToJson(graph), &nodes.registry);
    EXPECT_EQ(savedSweep(back), axes);
    EXPECT_EQ(graphToComfyPrompt(graph, nodes.registry).indexOf("sweep"), -1) << "ComfyUI has no sweeps";
    saveSweep(graph, {});
    EXPECT_TRUE(savedSweep(graphFromJson(graphToJson(graph), &nodes.registry)).empty());
}

TEST_F(SweepTest, ValuesOutsideTheWidgetsLimitsStopTheSweepBeforeItsFirstCell) {
    const Sweep sweep = resolveSweep(graph, nodes.registry, {"Knobs.cfg=10,40", "Knobs.sampler_name=euler,ddim"});
    const SweepResult r = runSweep(executor, nodes.registry, graph, env, sweep);
    EXPECT_TRUE(!r.succeeded() && !r.cancelled());
    ASSERT_EQ(r.issues.size(), 2u);
    EXPECT_CONTAINS(r.issues[0].message, "Knobs #2: input 'cfg' is 40, above its maximum 30 (sweep value Knobs.cfg=40)");
    EXPECT_CONTAINS(r.issues[1].message,
                    "Knobs #2: input 'sampler_name' is \"ddim\", which is not one of its choices: euler, heun "
                    "(sweep value Knobs.sampler_name=ddim)");
    EXPECT_EQ(r.message, formatIssues(graph, r.issues)) << "each issue once, naming its node once";
    EXPECT_EQ(nodes.runs(constant), 0) << "nothing ran";
}

TEST_F(SweepTest, UpstreamNodesRunOnceAndEachCellGetsItsValues) {
    const Sweep sweep = resolveSweep(graph, nodes.registry, {"Sampler.seed=7,8,9", "Knobs.cfg=0.5,1.5"});
    std::vector<double> fractions;
    SweepControl control;
    control.observer.cellFinished = [&](const SweepCellResult&, const SweepProgress& p) { fractions.push_back(p.fraction()); };
    const SweepResult r = runSweep(executor, nodes.registry, graph, env, sweep, control);
    ASSERT_TRUE(r.succeeded()) << r.message;
    ASSERT_EQ(r.cells.size(), 6u);
    EXPECT_EQ(nodes.runs(constant), 1) << "upstream of both axes: once for the whole sweep";
    EXPECT_EQ(knobRuns.load(), 2) << "once per cfg value";
    EXPECT_EQ(nodes.runs(sampler_), 6);
    EXPECT_EQ(executor.stats().executions(constant), 1);
    EXPECT_EQ(executor.stats().cacheHits(constant), 5);
    // Sampler output: x * 1000 + seed, x = 1 + cfg * 10.
    EXPECT_EQ(r.cells[0].run.outputs.at(sampler_).at(0).toInt(), 6 * 1000 + 7);
    EXPECT_EQ(r.cells[5].run.outputs.at(sampler_).at(0).toInt(), 16 * 1000 + 9);
    EXPECT_EQ(fractions, (std::vector<double>{1 / 6.0, 2 / 6.0, 3 / 6.0, 4 / 6.0, 5 / 6.0, 1.0}));
}

TEST(SweepProgress, CountsCellsDonePlusTheStepWithinTheCell) {
    SweepProgress p;
    p.cellsDone = 1;
    p.cellCount = 4;
    p.step = 5;
    p.total = 10;
    EXPECT_DOUBLE_EQ(p.fraction(), 0.375);
}

TEST_F(SweepTest, CancelMidSweepStopsWithinTheRunningCell) {
    // Constant -> Slow (1 s, cancellable each millisecond) -> Knobs -> Sampler -> Record
    const NodeId slow = graph.addNode("Slow").id;
    graph.connect(constant, 0, slow, "x");
    graph.connect(slow, 0, knobs, "x");
    const Sweep sweep = resolveSweep(graph, nodes.registry, {"Constant.value=1,2,3"});
    SweepControl control;
    std::vector<SweepProgress> progress;
    control.observer.event = [&](const SweepCell& cell, const ExecEvent& e, const SweepProgress& p) {
        if (e.kind != ExecEvent::Kind::Progress) return;
        progress.push_back(p);
        if (cell.index == 1 && e.step >= 200) control.cancel.cancel();
    };
    const SweepResult r = runSweep(executor, nodes.registry, graph, env, sweep, control);
    EXPECT_TRUE(r.cancelled()) << r.message;
    EXPECT_EQ(r.cells.size(), 1u) << "the first cell finished, the second was cancelled";
    EXPECT_EQ(nodes.runs(slow), 2);
    EXPECT_EQ(nodes.runs(record), 1);
    // The last step reported is the one that cancelled: the second Slow stopped there, not at its end
    // (no wall-clock bound: under a sanitizer on a loaded machine 1,200 steps of 1 ms take longer).
    ASSERT_FALSE(progress.empty());
    EXPECT_DOUBLE_EQ(progress.back().fraction(), (1 + 0.2) / 3) << "cell 1 done, step 200 of 1000 in cell 2";
}
