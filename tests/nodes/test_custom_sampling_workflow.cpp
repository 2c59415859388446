// A ComfyUI UI-format workflow built on SamplerCustomAdvanced (tests/cli/data/comfyui_corpus/
// tessera__sampler_custom_advanced.json, the refdata case img2img-euler-normal) imports with every
// type known, validates against the tiny model under the workflow's names, and runs to the golden.
#include "core/exec/executor.h"
#include "core/graph/validation.h"
#include "core/io/comfyui_import.h"
#include "nodes/builtin_nodes.h"
#include "tests/nodes/node_test_support.h"
#include "tests/support/pipeline_cases.h"
#include "tests/support/refdata.h"
#include "tests/support/tensor_compare.h"

#include <ATen/ATen.h>
#include <QFile>
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

using namespace tessera;
using namespace tessera::test;
namespace fs = std::filesystem;

namespace {

const Registry& allBuiltinNodes() {
    static Registry registry;
    static const bool filled = [] {
        nodes::registerBuiltinNodes(registry);
        return true;
    }();
    (void)filled;
    return registry;
}

QByteArray readWorkflow(const std::string& name) {
    QFile f(QString::fromStdString(sourceDir() + "/tests/cli/data/comfyui_corpus/" + name + ".json"));
    EXPECT_TRUE(f.open(QIODevice::ReadOnly)) << name;
    return f.readAll();
}

}  // namespace

TEST(CustomSamplingWorkflow, ComfyUIWorkflowImportsValidatesAndRunsToTheGolden) {
    LoadReport report;
    const Graph g = importGraph(readWorkflow("tessera__sampler_custom_advanced"), allBuiltinNodes(), report);
    EXPECT_TRUE(report.unknownTypes.empty());
    EXPECT_TRUE(report.warnings.empty()) << report.warnings.front();
    EXPECT_EQ(g.nodes().size(), 12u);
    const Node* scheduler = g.node(13);
    ASSERT_NE(scheduler, nullptr);
    EXPECT_EQ(scheduler->widgets.at("scheduler"), Value("normal"));
    EXPECT_EQ(scheduler->widgets.at("steps"), Value(10));
    EXPECT_EQ(scheduler->widgets.at("denoise"), Value(0.6));
    EXPECT_EQ(g.node(9)->widgets.at("noise_seed"), Value(int64_t(42)));

    // The checkpoint and input image under the workflow's own names.
    ModelsFolder models;
    fs::create_symlink(refdataPath("models/tiny-sd15.safetensors"),
                       models.path("checkpoints", "v1-5-pruned-emaonly-fp16.safetensors"));
    Environment env = models.env();
    env.inputDir = makeTempDir("custom-sampling-input");
    fs::copy_file(refdataPath("cases/source.png"), fs::path(env.inputDir) / "example.png");
    env.outputDir = makeTempDir("custom-sampling-output");
    const auto issues = validateGraph(g, allBuiltinNodes(), &env);
    EXPECT_TRUE(issues.empty()) << formatIssues(g, issues);

    Executor executor(allBuiltinNodes());
    const RunResult r = executor.run(g, env, {}, {8});  // up to the VAEDecode
    ASSERT_TRUE(r.succeeded()) << r.message;
    EXPECT_MATCHES_REFERENCE(outputTensor(r, 15), pipelineGolden().at("img2img-euler-normal.latent"));
    EXPECT_MATCHES_REFERENCE(outputTensor(r, 8), pipelineGolden().at("img2img-euler-normal.image"));
}

TEST(CustomSamplingWorkflow, PublishedGroupNodeHasEveryTypeAndValidates) {
    LoadReport report;
    const Graph g = importGraph(readWorkflow("edit_models__sdxl_edit_model"), allBuiltinNodes(), report);
    EXPECT_TRUE(report.unknownTypes.empty());
    EXPECT_TRUE(report.warnings.empty());
    // The group node's values reach its inner custom-sampling nodes.
    for (const auto& [id, n] : g.nodes()) {
        if (n.type == "RandomNoise") {
            EXPECT_EQ(n.widgets.at("noise_seed"), Value(int64_t(11652752290163)));
        } else if (n.type == "BasicScheduler") {
            EXPECT_EQ(n.widgets.at("scheduler"), Value("normal"));
            EXPECT_EQ(n.widgets.at("steps"), Value(20));
        } else if (n.type == "DualCFGGuider") {
            EXPECT_EQ(n.widgets.at("cfg_cond2_negative"), Value(1.5));
        }
    }
    ModelsFolder models;
    fs::create_symlink(refdataPath("models/tiny-sd15.safetensors"), models.path("checkpoints", "cosxl_edit.safetensors"));
    Environment env = models.env();
    env.inputDir = makeTempDir("edit-model-input");
    fs::copy_file(refdataPath("cases/source.png"), fs::path(env.inputDir) / "mountains.png");
    const auto issues = validateGraph(g, allBuiltinNodes(), &env);
    EXPECT_TRUE(issues.empty()) << formatIssues(g, issues);
}
