// issue 4's acceptance: every refdata pipeline case as a graph file under tests/, run by the
// `tessera` command line, writes a PNG equal to the golden image within 1/255 per channel.
#include "core/io/png_metadata.h"
#include "tests/cli/cli_runner.h"
#include "tests/support/error_message.h"
#include "tests/support/refdata.h"
#include "tests/support/tensor_compare.h"

#include <ATen/ATen.h>
#include <QFile>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <filesystem>
#include <fstream>

using namespace tessera;
using namespace tessera::test;

namespace {

std::vector<std::string> caseNames() {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(sourceDir() + "/tests/cli/data/pipelines"))
        names.push_back(e.path().stem().string());
    std::sort(names.begin(), names.end());
    return names;
}

std::string graphPath(const std::string& name) { return sourceDir() + "/tests/cli/data/pipelines/" + name + ".json"; }

std::string runArgs(const std::string& graph, const std::string& outDir, const std::string& extra = "") {
    return "run " + quoted(graph) + " --models " + quoted(refdataModelsDir()) + " --input " +
           quoted(refdataPath("cases")) + " --output " + quoted(outDir) + " --quiet " + pinnedCompute() + " " + extra;
}

at::Tensor readPngAsFloat255(const std::string& path) {
    cv::Mat bgr = cv::imread(path, cv::IMREAD_COLOR);
    if (bgr.empty()) return {};
    cv::Mat rgb;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    return at::from_blob(rgb.data, {1, rgb.rows, rgb.cols, 3}, at::kByte).to(at::kFloat).clone();
}

class CliPipelines : public ::testing::TestWithParam<std::string> {};

TEST_P(CliPipelines, WritesTheGoldenImage) {
    const std::string name = GetParam();
    const std::string out = makeTempDir("cli-out");
    const CliResult r = runTessera(runArgs(graphPath(name), out));
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const std::string png = out + "/" + name + "_00001_.png";
    EXPECT_NE(r.out.find(png), std::string::npos) << "stdout lists the written file: " << r.out;
    const at::Tensor got = readPngAsFloat255(png);
    ASSERT_TRUE(got.defined()) << png;
    const at::Tensor want = loadCase("pipelines.safetensors").at(name + ".image") * 255.0;
    ASSERT_EQ(got.sizes(), want.sizes());
    EXPECT_LE((got - want).abs().max().item<double>(), 1.0 + 1e-3);

    QFile f(QString::fromStdString(png));
    ASSERT_TRUE(f.open(QIODevice::ReadOnly));
    const auto text = readPngText(f.readAll());
    EXPECT_TRUE(text.count("tessera")) << "the graph is embedded";
    EXPECT_TRUE(text.count("prompt")) << "ComfyUI's prompt chunk is embedded";
    std::filesystem::remove_all(out);
}

INSTANTIATE_TEST_SUITE_P(Refdata, CliPipelines, ::testing::ValuesIn(caseNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return testNameOf(info.param); });

TEST(Cli, SavedPngReopensAndOverridesChangeTheResult) {
    const std::string out = makeTempDir("cli-out");
    const std::string graph = graphPath("img2img-euler-normal");
    ASSERT_EQ(runTessera(runArgs(graph, out)).exitCode, 0);
    const std::string first = out + "/img2img-euler-normal_00001_.png";
    const CliResult validate = runTessera("validate " + quoted(first) + " --models " + quoted(refdataModelsDir()) +
                                          " --input " + quoted(refdataPath("cases")));
    EXPECT_EQ(validate.exitCode, 0) << validate.out << validate.err;
    EXPECT_NE(validate.out.find("valid"), std::string::npos);

    // Re-running the PNG itself with another seed: a new file, a different picture.
    const CliResult again = runTessera(runArgs(first, out, "--set KSampler.seed=43"));
    ASSERT_EQ(again.exitCode, 0) << again.err;
    const at::Tensor a = readPngAsFloat255(first);
    const at::Tensor b = readPngAsFloat255(out + "/img2img-euler-normal_00002_.png");
    ASSERT_TRUE(b.defined()) << "never overwrites: the second run writes _00002_";
    EXPECT_GT((a - b).abs().max().item<double>(), 1.0);
    std::filesystem::remove_all(out);
}

TEST(Cli, Bfloat16PrecisionRunsTheUNetInBfloat16CloseToTheGolden) {
    const std::string name = "img2img-euler-normal", out = makeTempDir("cli-bf16");
    const CliResult r = runTessera(runArgs(graphPath(name), out, "--device cpu --precision bf16"));
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const at::Tensor got = readPngAsFloat255(out + "/" + name + "_00001_.png");
    ASSERT_TRUE(got.defined());
    const at::Tensor want = loadCase("pipelines.safetensors").at(name + ".image") * 255.0;
    EXPECT_LE((got - want).abs().mean().item<double>(), 4.0);  // mean error under 4/255 after 20 bfloat16 steps
    std::filesystem::remove_all(out);
}

TEST(Cli, WhatNodesTellTheUserIsPrintedEvenWhenQuiet) {
    const std::string input = makeTempDir("cli-odd-input"), out = makeTempDir("cli-odd-out");
    ASSERT_TRUE(cv::imwrite(input + "/source.png", cv::Mat(61, 67, CV_8UC3, cv::Scalar(40, 120, 200))));
    const CliResult r = runTessera("run " + quoted(graphPath("img2img-euler-normal")) + " --models " +
                                   quoted(refdataModelsDir()) + " --input " + quoted(input) + " --output " + quoted(out) +
                                   " --quiet " + pinnedCompute() + " --set KSampler.steps=1");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_NE(r.err.find("note: VAEEncode #4: the image is 67x61 pixels and the VAE takes multiples of 8: its centre "
                         "64x56 was used, as ComfyUI does\n"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(r.err.find("KSampler"), std::string::npos) << "quiet: no progress lines\n" << r.err;
    std::filesystem::remove_all(input);
    std::filesystem::remove_all(out);
}

TEST(Cli, UnavailablePrecisionFailsBeforeRunning) {
    if (at::hasCUDA()) GTEST_SKIP() << "fp16 is available with CUDA";
    const CliResult r = runTessera(runArgs(graphPath("img2img-euler-normal"), makeTempDir("cli-fp16"), "--precision fp16"));
    EXPECT_EQ(r.exitCode, 2);
    EXPECT_NE(r.err.find("fp16 needs a CUDA device"), std::string::npos) << r.err;
}

TEST(Cli, PreviewMethodReachesTheSamplers) {
    const std::string out = makeTempDir("cli-out");
    const std::string graph = graphPath("img2img-euler-normal");
    auto previewFiles = [](const std::string& dir) {
        if (!std::filesystem::exists(dir)) return 0;
        return int(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator()));
    };
    const CliResult none = runTessera(runArgs(graph, out, "--previews " + quoted(out + "/none") + " --preview-method none"));
    ASSERT_EQ(none.exitCode, 0) << none.err;
    EXPECT_EQ(previewFiles(out + "/none"), 0);
    const CliResult rgb =
        runTessera(runArgs(graph, out, "--previews " + quoted(out + "/rgb") + " --preview-method latent2rgb"));
    ASSERT_EQ(rgb.exitCode, 0) << rgb.err;
    EXPECT_GT(previewFiles(out + "/rgb"), 0);
    // The refdata models folder has no vae_approx/taesd_decoder.safetensors.
    const CliResult taesd = runTessera(runArgs(graph, out, "--preview-method taesd"));
    EXPECT_NE(taesd.exitCode, 0);
    EXPECT_NE((taesd.out + taesd.err).find("vae_approx/taesd_decoder.safetensors"), std::string::npos)
        << taesd.out << taesd.err;
    std::filesystem::remove_all(out);
}

TEST(Cli, MissingModelSaysWhichFileGoesWhere) {
    const std::string empty = makeTempDir("empty-models");
    const CliResult r = runTessera("validate " + quoted(graphPath("img2img-euler-normal")) + " --models " +
                                   quoted(empty) + " --input " + quoted(refdataPath("cases")));
    EXPECT_EQ(r.exitCode, 3);
    EXPECT_NE(r.out.find("tiny-sd15.safetensors"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(empty + "/checkpoints"), std::string::npos) << r.out;
}

TEST(Cli, BadFilesAndCommandsFailClearly) {
    const CliResult missing = runTessera("run /nonexistent/graph.json");
    EXPECT_EQ(missing.exitCode, 2);
    EXPECT_NE(missing.err.find("does not exist"), std::string::npos) << missing.err;
    const std::string dir = makeTempDir("cli-bad");
    const std::string garbage = dir + "/garbage.json";
    { std::ofstream(garbage) << "{ not json"; }
    const CliResult bad = runTessera("validate " + quoted(garbage));
    EXPECT_EQ(bad.exitCode, 2);
    EXPECT_NE(bad.err.find("garbage.json"), std::string::npos) << bad.err;
    EXPECT_EQ(runTessera("frobnicate").exitCode, 2);
    const CliResult nodes = runTessera("nodes");
    EXPECT_EQ(nodes.exitCode, 0);
    EXPECT_NE(nodes.out.find("KSampler"), std::string::npos);
    EXPECT_NE(nodes.out.find("seed INT"), std::string::npos);
}

}  // namespace
