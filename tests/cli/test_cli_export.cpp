// `tessera export` through the real binary: a published ComfyUI workflow with a group node comes
// back as a workflow that keeps the group node, or as an API prompt of its executable nodes; bad
// command lines are refused before anything is written.
#include "core/io/comfyui_import.h"
#include "core/io/json.h"
#include "tests/cli/cli_runner.h"
#include "tests/cli/comfyui_corpus.h"
#include "tests/support/refdata.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

using namespace tessera;
using namespace tessera::test;

namespace {

const std::string kGroupNodeWorkflow = "edit_models__sdxl_edit_model";

std::string corpusFile(const std::string& name) { return sourceDir() + "/tests/cli/data/comfyui_corpus/" + name + ".json"; }

std::string readText(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

TEST(CliExport, AWorkflowWithAGroupNodeIsWrittenBackWithIt) {
    const std::string out = makeTempDir("export-workflow") + "/again.json";
    const CliResult r = runTessera("export " + quoted(corpusFile(kGroupNodeWorkflow)) + " -o " + quoted(out));
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_NE(r.out.find("ComfyUI workflow"), std::string::npos) << r.out;
    const Json saved = parseJson(readText(out), out);
    std::set<std::string> types;
    for (const Json& n : saved.find("nodes")->array()) types.insert(n.find("type")->toString());
    EXPECT_TRUE(types.count("workflow/IP2PSampler"));
    EXPECT_FALSE(types.count("SamplerCustomAdvanced"));
    ASSERT_NE(saved.find("extra")->find("groupNodes"), nullptr);

    LoadReport a, b;
    const Graph original = importGraph(readCorpusWorkflow(kGroupNodeWorkflow), corpusRegistry(), a);
    const Graph reread = importGraph(QByteArray::fromStdString(readText(out)), corpusRegistry(), b);
    EXPECT_EQ(reread.nodes().size(), original.nodes().size());
    EXPECT_EQ(reread.links().size(), original.links().size());
}

TEST(CliExport, AnApiPromptHoldsTheExecutableNodes) {
    const std::string out = makeTempDir("export-prompt") + "/prompt.json";
    const CliResult r = runTessera("export " + quoted(corpusFile(kGroupNodeWorkflow)) + " -o " + quoted(out) + " --as prompt");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const QByteArray text = QByteArray::fromStdString(readText(out));
    EXPECT_EQ(detectFormat(parseJson(text.toStdString(), out)), GraphFormat::ComfyUIPrompt);
    const Json prompt = parseJson(text.toStdString(), out);
    std::set<std::string> classes;
    for (const auto& [key, node] : prompt.object()) classes.insert(node.find("class_type")->toString());
    EXPECT_TRUE(classes.count("SamplerCustomAdvanced"));  // the group node's inside, flattened to run
    EXPECT_FALSE(classes.count("workflow/IP2PSampler"));
    EXPECT_FALSE(classes.count("Reroute"));
}

TEST(CliExport, BadCommandLinesAreRefusedAndWriteNothing) {
    const std::string dir = makeTempDir("export-bad");
    const std::string in = corpusFile(kGroupNodeWorkflow);
    CliResult r = runTessera("export " + quoted(in));
    EXPECT_EQ(r.exitCode, 2);
    EXPECT_NE(r.err.find("needs a graph file and -o OUT.json"), std::string::npos) << r.err;
    r = runTessera("export " + quoted(in) + " -o " + quoted(dir + "/x.json") + " --as yaml");
    EXPECT_EQ(r.exitCode, 2);
    EXPECT_NE(r.err.find("--as expects workflow or prompt, got 'yaml'"), std::string::npos) << r.err;
    r = runTessera("export " + quoted(in) + " -o " + quoted(in));
    EXPECT_EQ(r.exitCode, 2);
    EXPECT_NE(r.err.find("would overwrite the input"), std::string::npos) << r.err;
    r = runTessera("export " + quoted(dir + "/missing.json") + " -o " + quoted(dir + "/x.json"));
    EXPECT_EQ(r.exitCode, 2);
    EXPECT_NE(r.err.find("missing.json"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir + "/x.json"));
}
