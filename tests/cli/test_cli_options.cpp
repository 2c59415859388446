#include "tests/support/error_message.h"
#include "app/cli/cli_options.h"
#include "app/cli/overrides.h"
#include "app/cli/progress_bar.h"
#include "core/common/error.h"
#include "nodes/decl_helpers.h"

#include <gtest/gtest.h>

using namespace tessera;
using namespace tessera::cli;
using tessera::test::errorOf;

namespace {

void addSampler(Registry& r) {
    NodeDecl d;
    d.type = "KSampler";
    d.displayName = "KSampler";
    d.inputs = {nodes::port("model", "MODEL"), nodes::seedInput("seed"), nodes::intInput("steps", 20, 1, 10000),
                nodes::floatInput("cfg", 8.0, 0.0, 100.0), nodes::comboInput("sampler_name", {"euler", "heun"}),
                nodes::boolInput("flag", false)};
    d.outputs = {nodes::output("LATENT", "LATENT")};
    d.run = [](NodeContext&) { return std::vector<Value>{}; };
    r.add(d);
}

}  // namespace

TEST(CliOptions, ParsesRunWithEveryOption) {
    const CliOptions o = parseCommandLine({"run", "g.tessera", "--set", "KSampler.seed=7", "--models", "/m1", "--models",
                                           "/m2", "--input", "in", "--output", "out", "--previews", "pv", "--threads",
                                           "2", "--device", "cpu", "--precision", "bf16", "--preview-method", "taesd",
                                           "-q"});
    EXPECT_EQ(o.command, "run");
    EXPECT_EQ(o.file, "g.tessera");
    EXPECT_EQ(o.overrides, std::vector<std::string>{"KSampler.seed=7"});
    EXPECT_EQ(o.modelDirs, (std::vector<std::string>{"/m1", "/m2"}));
    EXPECT_EQ(o.inputDir, "in");
    EXPECT_EQ(o.outputDir, "out");
    EXPECT_EQ(o.previewsDir, "pv");
    EXPECT_EQ(o.threads, 2);
    EXPECT_EQ(o.device, "cpu");
    EXPECT_EQ(o.precision, "bf16");
    EXPECT_EQ(o.previewMethod, "taesd");
    EXPECT_TRUE(o.quiet);
}

TEST(CliOptions, ParsesSweeps) {
    const CliOptions o = parseCommandLine({"run", "g.json", "--sweep", "KSampler.denoise=0.3:0.9:0.15", "--sweep",
                                           "KSampler.cfg=4,7,10"});
    EXPECT_EQ(o.sweeps, (std::vector<std::string>{"KSampler.denoise=0.3:0.9:0.15", "KSampler.cfg=4,7,10"}));
    EXPECT_FALSE(o.noSweep);
    EXPECT_TRUE(parseCommandLine({"run", "g.json", "--no-sweep"}).noSweep);
    EXPECT_NE(errorOf([] { parseCommandLine({"run", "a", "--sweep", "1.a=1", "--sweep", "1.b=1", "--sweep", "1.c=1"}); })
                  .find("one or two axes; --sweep was given 3 times"),
              std::string::npos);
    EXPECT_NE(errorOf([] { parseCommandLine({"run", "a", "--sweep", "1.a=1", "--no-sweep"}); }).find("contradict"),
              std::string::npos);
}

TEST(CliOptions, RejectsBadCommandLinesWithUsage) {
    EXPECT_NE(errorOf([] { parseCommandLine({"frobnicate"}); }).find("unknown command 'frobnicate'"), std::string::npos);
    EXPECT_NE(errorOf([] { parseCommandLine({"run"}); }).find("needs a graph file"), std::string::npos);
    EXPECT_NE(errorOf([] { parseCommandLine({"run", "a", "--set"}); }).find("--set needs a value"), std::string::npos);
    EXPECT_NE(errorOf([] { parseCommandLine({"run", "a", "--bogus"}); }).find("unknown option --bogus"), std::string::npos);
    EXPECT_NE(errorOf([] { parseCommandLine({"run", "a", "--threads", "x"}); }).find("expects a number"), std::string::npos);
    EXPECT_NE(errorOf([] { parseCommandLine({"run", "a", "--preview-method", "vae"}); })
                  .find("--preview-method expects auto, latent2rgb, taesd or none, got 'vae'"),
              std::string::npos);
    EXPECT_EQ(parseCommandLine({"run", "a"}).previewMethod, "auto");
    EXPECT_EQ(parseCommandLine({}).command, "help");
}

TEST(Overrides, SetWidgetsByIdTitleOrTypeWithTypedValues) {
    Registry r;
    addSampler(r);
    Graph g;
    Node& n = g.addNode("KSampler");
    n.title = "Main sampler";
    applyOverride(g, r, parseOverride("KSampler.seed=42"));
    applyOverride(g, r, parseOverride("Main sampler.cfg=5.5"));
    applyOverride(g, r, parseOverride(std::to_string(n.id) + ".sampler_name=heun"));
    applyOverride(g, r, parseOverride("KSampler.flag=true"));
    EXPECT_TRUE(g.node(n.id)->widgets.at("seed").isInt());
    EXPECT_EQ(g.node(n.id)->widgets.at("seed").toInt(), 42);
    EXPECT_DOUBLE_EQ(g.node(n.id)->widgets.at("cfg").toFloat(), 5.5);
    EXPECT_EQ(g.node(n.id)->widgets.at("sampler_name").toString(), "heun");
    EXPECT_TRUE(g.node(n.id)->widgets.at("flag").toBool());
}

TEST(Overrides, ErrorsNameTheNodeAndTheProblem) {
    Registry r;
    addSampler(r);
    Graph g;
    g.addNode("KSampler");
    g.addNode("KSampler");
    EXPECT_NE(errorOf([] { parseOverride("seed=4"); }).find("NODE.INPUT=VALUE"), std::string::npos);
    EXPECT_NE(errorOf([&] { applyOverride(g, r, parseOverride("KSampler.seed=1")); })
                  .find("--set: 'KSampler' matches several nodes (KSampler #1, KSampler #2); use the node id"),
              std::string::npos);
    EXPECT_NE(errorOf([&] { applyOverride(g, r, parseOverride("9.seed=1")); }).find("no node with id 9"), std::string::npos);
    EXPECT_NE(errorOf([&] { applyOverride(g, r, parseOverride("1.steps=many")); }).find("not a whole number"),
              std::string::npos);
    EXPECT_NE(errorOf([&] { applyOverride(g, r, parseOverride("1.model=x")); }).find("is a MODEL port"), std::string::npos);
    const std::string unknown = errorOf([&] { applyOverride(g, r, parseOverride("1.sed=1")); });
    EXPECT_NE(unknown.find("has no input 'sed'"), std::string::npos) << unknown;
    EXPECT_NE(unknown.find("seed, steps, cfg"), std::string::npos) << unknown;
}

TEST(ProgressBar, RendersStepsAndTime) {
    EXPECT_EQ(ProgressBar::render("KSampler #3", 5, 10, 1.25, 10), "KSampler #3 [#####.....] 5/10 1.2s 0.25s/step");
    EXPECT_EQ(ProgressBar::render("Load", 0, 0, 0.0, 10), "Load  0.0s");
}
