// Every corpus workflow whose model kinds Tessera has runs end to end, in one process with one
// executor (loaded models shared between workflows), on the tiny reference models under the
// workflow's own file names, shrunk for CI by tests/cli/shrunk_workflow.h and otherwise as published.
// Each output node must write pictures of the expected size from finite pixels. The test prints the
// per-workflow table (types known / validates / runs, and why not) for the issue's closing note.
#include "core/exec/executor.h"
#include "core/exec/run_validation.h"
#include "core/io/comfyui_import.h"
#include "nodes/values.h"
#include "tests/cli/comfyui_corpus.h"
#include "tests/cli/shrunk_workflow.h"
#include "tests/support/refdata.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include <cstdio>
#include <map>

using namespace tessera;
using namespace tessera::test;

namespace {

struct CorpusRun {
    std::string runs;  // "yes (WxH, ...)" or "no: why"
    std::vector<std::pair<int, int>> pictures;
};

std::string firstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

// Whether the IMAGE an output node saved is finite everywhere (NaN survives the clamp to 0..1, and
// an 8-bit PNG would hide it).
bool savedPixelsFinite(const Graph& g, const RunResult& r, NodeId output) {
    const Link* link = g.linkInto(output, "images");
    if (!link) return true;
    auto it = r.outputs.find(link->fromNode);
    if (it == r.outputs.end() || int(it->second.size()) <= link->fromSlot) return true;  // through a bypass
    auto image = it->second[size_t(link->fromSlot)].as<nodes::ImageValue>();
    return !image || at::isfinite(image->pixels).all().item<bool>();
}

CorpusRun runShrunk(Executor& executor, Graph g, Environment env, const std::string& file) {
    shrinkForTestRun(g, corpusRegistry());
    env.outputDir = makeTempDir("corpus-output");
    env.tempDir = makeTempDir("corpus-temp");
    std::map<NodeId, std::vector<std::string>> files;
    const RunResult r = executor.run(g, env, [&](const ExecEvent& e) {
        if (e.kind == ExecEvent::Kind::OutputFile) files[e.node].push_back(e.message);
    });
    if (!r.succeeded()) return {"no: " + firstLine(r.message), {}};
    CorpusRun run{"yes (", {}};
    for (const auto& [node, paths] : files) {
        const cv::Mat picture = cv::imread(paths.front(), cv::IMREAD_UNCHANGED);
        EXPECT_FALSE(picture.empty()) << file << ": " << paths.front();
        EXPECT_TRUE(savedPixelsFinite(g, r, node)) << file << ": " << g.describeNode(node) << " saved NaN or infinity";
        run.pictures.emplace_back(picture.cols, picture.rows);
        run.runs += (run.pictures.size() > 1 ? ", " : "") + std::to_string(picture.cols) + "x" + std::to_string(picture.rows);
    }
    EXPECT_FALSE(files.empty()) << file << ": the run wrote no picture";
    run.runs += ")";
    return run;
}

}  // namespace

TEST(CorpusRuns, EveryWorkflowTesseraCanRunWritesItsPictures) {
    Environment env;
    env.modelDirs = {corpusModelsDir()};
    env.inputDir = corpusInputDir();
    env.device = "cpu";
    env.precision = "fp32";
    env.previewMethod = "none";
    Executor executor(corpusRegistry());

    std::string table = "| workflow | types known | validates | runs |\n|---|---|---|---|\n";
    int known = 0, valid = 0, ran = 0;
    for (const CorpusCase& c : comfyuiCorpus()) {
        LoadReport report;
        Graph g = importGraph(readCorpusWorkflow(c.file), corpusRegistry(), report);
        std::string types = "yes", validates = "yes";
        CorpusRun run{"no: does not validate", {}};
        if (!report.unknownTypes.empty()) {
            types = "no:";
            for (const auto& t : std::set<std::string>(report.unknownTypes.begin(), report.unknownTypes.end())) types += " " + t;
        }
        const auto issues = validateRun(g, corpusRegistry(), &env);
        if (!issues.empty()) validates = "no: " + firstLine(issues.front().message);
        else run = runShrunk(executor, std::move(g), env, c.file);

        known += report.unknownTypes.empty();
        valid += issues.empty();
        ran += !run.pictures.empty();
        table += "| " + c.file + " | " + types + " | " + validates + " | " + run.runs + " |\n";
        EXPECT_EQ(run.pictures, c.pictures) << c.file << ": " << run.runs;
        EXPECT_EQ(run.pictures.empty(), !c.notRun.empty()) << c.file << ": " << run.runs;
    }
    std::printf("%s| %zu workflows | %d | %d | %d |\n", table.c_str(), comfyuiCorpus().size(), known, valid, ran);
}
