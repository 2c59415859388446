// Published ComfyUI workflows (tests/cli/data/comfyui_corpus, sources in SOURCES.md): each imports,
// its node types are known or kept as named placeholders, and those Tessera can run validate against
// tiny models placed under the workflow's own model names. What a workflow still lacks is spelled out
// below, so the test fails when that changes and the table in the closing note goes stale.
#include "core/exec/environment.h"
#include "core/exec/run_validation.h"
#include "core/io/comfyui_import.h"
#include "core/io/graph_json.h"
#include "core/io/json.h"
#include "tests/cli/comfyui_corpus.h"

#include <QFile>
#include <gtest/gtest.h>

#include <cstdlib>

#include <set>

using namespace tessera;
using namespace tessera::test;

namespace {

class Corpus : public ::testing::TestWithParam<CorpusCase> {};

TEST_P(Corpus, ImportsWithKnownTypesAndValidates) {
    const CorpusCase& c = GetParam();
    LoadReport report;
    const Graph g = importGraph(readCorpusWorkflow(c.file), corpusRegistry(), report);
    EXPECT_EQ(std::set<std::string>(report.unknownTypes.begin(), report.unknownTypes.end()), c.unknownTypes);
    EXPECT_EQ(g.nodes().size(), c.nodes);
    // Nothing shifted: widget values that do not fit their widgets would be reported here.
    for (const auto& w : report.warnings)
        EXPECT_NE(w.find("of unknown type"), std::string::npos) << c.file << ": " << w;
    for (const auto& [id, n] : g.nodes())
        if (n.type == "KSampler" || n.type == "KSamplerAdvanced") {
            EXPECT_TRUE(n.widgets.at("steps").isInt()) << c.file << ": " << g.describeNode(id);
            EXPECT_TRUE(n.widgets.at("scheduler").isString()) << c.file << ": " << g.describeNode(id);
        }

    Environment env;
    env.modelDirs = {corpusModelsDir()};
    env.inputDir = corpusInputDir();
    const auto issues = validateRun(g, corpusRegistry(), &env);
    if (c.validates) {
        EXPECT_TRUE(issues.empty()) << c.file << ":\n" << formatIssues(g, issues);
        return;
    }
    EXPECT_FALSE(issues.empty()) << c.file << " validates now: update the corpus table";
    for (const auto& issue : issues) {
        bool expected = false;
        for (const auto& p : c.problems) expected = expected || issue.message.find(p) != std::string::npos;
        EXPECT_TRUE(expected) << c.file << ": unexpected problem: " << issue.message;
    }
}

// Tessera's own file of a graph, less what placeholders keep of the file they were read from.
std::string comparableGraph(Graph g) {
    for (auto& [id, n] : g.nodes()) n.placeholderJson.clear();
    return graphToJson(g).toStdString();
}

TEST_P(Corpus, SavedAsComfyUIWorkflowImportsAsTheSameGraph) {
    const CorpusCase& c = GetParam();
    LoadReport report;
    const Graph g = importGraph(readCorpusWorkflow(c.file), corpusRegistry(), report);
    const QByteArray saved = graphToComfyWorkflow(g, corpusRegistry());
    LoadReport again;
    const Graph reread = importGraph(saved, corpusRegistry(), again);
    EXPECT_EQ(comparableGraph(reread), comparableGraph(g)) << c.file;
    EXPECT_EQ(std::set<std::string>(again.unknownTypes.begin(), again.unknownTypes.end()),
              std::set<std::string>(report.unknownTypes.begin(), report.unknownTypes.end()));
    for (const auto& w : again.warnings) EXPECT_NE(w.find("of unknown type"), std::string::npos) << c.file << ": " << w;
    // Written out for checking by hand against ComfyUI's frontend: no npm package publishes its
    // workflow schema at run time (README, "ComfyUI workflows").
    if (const char* dir = std::getenv("TESSERA_CORPUS_EXPORT_DIR")) {
        QFile out(QString::fromStdString(std::string(dir) + "/" + c.file + ".json"));
        ASSERT_TRUE(out.open(QIODevice::WriteOnly));
        out.write(saved);
    }
}

INSTANTIATE_TEST_SUITE_P(ComfyUIExamples, Corpus, ::testing::ValuesIn(comfyuiCorpus()),
                         [](const ::testing::TestParamInfo<CorpusCase>& info) {
                             std::string name = info.param.file;
                             for (char& ch : name)
                                 if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                             return name;
                         });

TEST(CorpusLayouts, DefaultTemplateKeepsItsMarkdownNotes) {
    LoadReport report;
    const Graph g = importGraph(readCorpusWorkflow("workflow_templates__default"), corpusRegistry(), report);
    int notes = 0;
    for (const auto& [id, n] : g.nodes())
        if (n.type == "MarkdownNote") {
            ++notes;
            EXPECT_FALSE(n.widgets.at("text").toString().empty());
        }
    EXPECT_EQ(notes, 4);
    EXPECT_EQ(g.node(13)->title, "Note: Image size");
    EXPECT_NE(g.node(13)->widgets.at("text").toString().find("512x512"), std::string::npos);
}

TEST(CorpusLayouts, EarlyBooleanSeedControlImportsUnshifted) {
    LoadReport report;
    const Graph g = importGraph(readCorpusWorkflow("lora__lora"), corpusRegistry(), report);
    const Node* ks = nullptr;
    for (const auto& [id, n] : g.nodes())
        if (n.type == "KSampler") ks = &n;
    ASSERT_NE(ks, nullptr);
    EXPECT_EQ(ks->widgets.at("seed"), Value(int64_t(851616030078638)));
    EXPECT_EQ(ks->controlAfterGenerate.at("seed"), "randomize");
    EXPECT_EQ(ks->widgets.at("steps"), Value(20));
    EXPECT_EQ(ks->widgets.at("cfg"), Value(8.0));
    EXPECT_EQ(ks->widgets.at("sampler_name"), Value("euler"));
    EXPECT_EQ(ks->widgets.at("scheduler"), Value("normal"));
    EXPECT_EQ(ks->widgets.at("denoise"), Value(1.0));
}

TEST(CorpusLayouts, PublishedGroupNodeIsExpanded) {
    LoadReport report;
    const Graph g = importGraph(readCorpusWorkflow("edit_models__sdxl_edit_model"), corpusRegistry(), report);
    EXPECT_EQ(g.node(37), nullptr);  // the workflow/IP2PSampler instance
    const Node* noise = nullptr;
    const Node* scheduler = nullptr;
    const Node* sampler = nullptr;
    for (const auto& [id, n] : g.nodes()) {
        if (n.type == "RandomNoise") noise = &n;
        if (n.type == "BasicScheduler") scheduler = &n;
        if (n.type == "SamplerCustomAdvanced") sampler = &n;
    }
    ASSERT_TRUE(noise && scheduler && sampler);
    // The instance's widget values reach the inner nodes.
    EXPECT_EQ(noise->widgets.at("noise_seed"), Value(int64_t(11652752290163)));
    EXPECT_EQ(scheduler->widgets.at("scheduler"), Value("normal"));
    EXPECT_EQ(scheduler->widgets.at("steps"), Value(20));
    // The instance's output feeds the VAEDecode through the inner sampler.
    ASSERT_NE(g.linkInto(8, "samples"), nullptr);
    EXPECT_EQ(g.linkInto(8, "samples")->fromNode, sampler->id);
    ASSERT_NE(g.linkInto(sampler->id, "noise"), nullptr);
    EXPECT_EQ(g.linkInto(sampler->id, "noise")->fromNode, noise->id);
}

// Saving keeps the group node: the instance and its definition are written back, not its nodes.
TEST(CorpusLayouts, PublishedGroupNodeIsSavedAsAGroupNode) {
    LoadReport report;
    const Graph g = importGraph(readCorpusWorkflow("edit_models__sdxl_edit_model"), corpusRegistry(), report);
    std::vector<std::string> notes;
    const Json saved = parseJson(graphToComfyWorkflow(g, corpusRegistry(), &notes).toStdString(), "saved workflow");
    EXPECT_TRUE(notes.empty()) << notes.front();
    const Json* instance = nullptr;
    std::set<std::string> types;
    for (const Json& n : saved.find("nodes")->array()) {
        types.insert(n.find("type")->toString());
        if (n.find("id")->toInt() == 37) instance = &n;
    }
    ASSERT_NE(instance, nullptr);
    EXPECT_EQ(instance->find("type")->toString(), "workflow/IP2PSampler");
    EXPECT_FALSE(types.count("SamplerCustomAdvanced"));
    EXPECT_FALSE(types.count("DualCFGGuider"));
    const Json* groupNodes = saved.find("extra")->find("groupNodes");
    ASSERT_NE(groupNodes, nullptr);
    ASSERT_NE(groupNodes->find("IP2PSampler"), nullptr);
    EXPECT_EQ(groupNodes->find("IP2PSampler")->find("nodes")->array().size(), 9u);
}

}  // namespace
