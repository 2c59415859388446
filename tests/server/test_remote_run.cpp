// A graph run on a real `tessera serve` over ComfyUI's API (app/remote), through the library and
// through `tessera run --server`, compared with the same graph run in-process.
#include "tests/cli/cli_runner.h"
#include "tests/server/remote_fixtures.h"
#include "tests/server/server_harness.h"
#include "tests/support/refdata.h"

#include "app/remote/backend_capabilities.h"
#include "app/remote/graph_requirements.h"
#include "app/remote/local_output_path.h"
#include "app/remote/remote_run.h"
#include "core/common/error.h"

#include <gtest/gtest.h>

#include <QDir>
#include <QNetworkAccessManager>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <filesystem>
#include <fstream>

namespace tessera::test {
namespace {

using remote::RemoteRunResult;
using Outcome = RemoteRunResult::Outcome;

std::string pipelineGraph(const std::string& name) { return sourceDir() + "/tests/cli/data/pipelines/" + name + ".json"; }


NodeId nodeOfType(const Graph& g, const std::string& type) {
    for (const auto& [id, n] : g.nodes())
        if (n.type == type) return id;
    return 0;
}

struct CollectedRun {
    std::vector<ExecEvent> events;
    RemoteRunResult result;
    bool finished = false;
};

// Runs `graph` on the server through the library, calling `onEvent` for each event as it comes.
CollectedRun runOn(const ServerProcess& server, const Graph& graph, const std::string& outputDir,
                   const std::function<void(const ExecEvent&, remote::RemoteRun&)>& onEvent = {}) {
    QNetworkAccessManager net;
    Environment env;
    env.outputDir = outputDir;
    CollectedRun c;
    remote::RemoteRun* self = nullptr;
    remote::RemoteRun run(
        net, remote::remoteRunRequest(remote::parseBackendAddress(server.url("").toStdString()), graph, builtinRegistry(), env),
        [&](const ExecEvent& e) {
            c.events.push_back(e);
            if (onEvent) onEvent(e, *self);
        },
        [&](const RemoteRunResult& r) {
            c.result = r;
            c.finished = true;
        });
    self = &run;
    run.start();
    waitUntil([&] { return c.finished; }, 120);
    return c;
}

TEST(RemoteRun, CliOnAServerWithATokenWritesThePixelsOfTheLocalRun) {
    ServerProcess server(servedModels() + QStringList{"--token", "s3cret"});
    ASSERT_TRUE(server.started()) << server.log().toStdString();
    const std::string graph = pipelineGraph("img2img-euler-normal");
    const std::string remoteOut = makeTempDir("remote-out"), localOut = makeTempDir("local-out"),
                      previews = makeTempDir("remote-previews");
    const std::string onServer = " --server " + server.url("").toStdString();

    // Without the token, or with another one: said so before anything is sent.
    const std::string base = "run " + quoted(graph) + " --input " + quoted(refdataPath("cases")) + " --output " + quoted(remoteOut);
    const CliResult none = runTessera(base + onServer);
    EXPECT_EQ(none.exitCode, 4);
    EXPECT_NE(none.err.find("HTTP 401"), std::string::npos) << none.err;
    EXPECT_NE(none.err.find("this backend needs a token (--token)"), std::string::npos) << none.err;
    const CliResult wrong = runTessera(base + onServer + " --token nope");
    EXPECT_EQ(wrong.exitCode, 4);
    EXPECT_NE(wrong.err.find("the token was refused"), std::string::npos) << wrong.err;

    const CliResult remoteRun = runTessera(base + " --previews " + quoted(previews) + onServer + " --token s3cret");
    ASSERT_EQ(remoteRun.exitCode, 0) << remoteRun.err << server.log().toStdString();
    const std::string remotePng = remoteOut + "/img2img-euler-normal_00001_.png";
    EXPECT_EQ(remoteRun.out, remotePng + "\n");
    EXPECT_NE(remoteRun.err.find("KSampler #7"), std::string::npos) << remoteRun.err;
    EXPECT_NE(remoteRun.err.find("10 steps"), std::string::npos) << "the progress bar saw every step: " << remoteRun.err;
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(previews), {}), 10) << "one preview per step came back";
    // The input image went up under a content-addressed name.
    const QStringList uploaded = QDir(server.inputDir()).entryList(QDir::Files);
    ASSERT_EQ(uploaded.size(), 1);
    EXPECT_TRUE(uploaded[0].startsWith("source-") && uploaded[0].endsWith(".png")) << uploaded[0].toStdString();

    const CliResult localRun = runTessera("run " + quoted(graph) + " --models " + quoted(refdataModelsDir()) + " --input " +
                                          quoted(refdataPath("cases")) + " --output " + quoted(localOut) + " --quiet " +
                                          pinnedCompute());
    ASSERT_EQ(localRun.exitCode, 0) << localRun.err;
    const cv::Mat remoteImage = cv::imread(remotePng, cv::IMREAD_UNCHANGED);
    const cv::Mat localImage = cv::imread(localOut + "/img2img-euler-normal_00001_.png", cv::IMREAD_UNCHANGED);
    ASSERT_FALSE(remoteImage.empty());
    ASSERT_EQ(remoteImage.size(), localImage.size());
    EXPECT_EQ(cv::norm(remoteImage, localImage, cv::NORM_INF), 0.0) << "the same pixels, bit for bit";

    // A second remote run into the same folder numbers its file on, as SaveImage does.
    const CliResult again = runTessera(base + " --quiet" + onServer + " --token s3cret");
    ASSERT_EQ(again.exitCode, 0) << again.err;
    EXPECT_EQ(again.out, remoteOut + "/img2img-euler-normal_00002_.png\n");
    EXPECT_EQ(QDir(server.inputDir()).entryList(QDir::Files), uploaded) << "the same image is not uploaded twice";
}

TEST(RemoteRun, WhatTheBackendsNodesToldTheUserIsPrintedAsALocalRunPrintsIt) {
    ServerProcess server(servedModels());
    ASSERT_TRUE(server.started()) << server.log().toStdString();
    const std::string input = makeTempDir("remote-odd-input"), out = makeTempDir("remote-odd-out");
    ASSERT_TRUE(cv::imwrite(input + "/source.png", cv::Mat(61, 67, CV_8UC3, cv::Scalar(40, 120, 200))));
    const CliResult r = runTessera("run " + quoted(pipelineGraph("img2img-euler-normal")) + " --input " + quoted(input) +
                                   " --output " + quoted(out) + " --quiet --set KSampler.steps=1 --server " +
                                   server.url("").toStdString());
    ASSERT_EQ(r.exitCode, 0) << r.err << server.log().toStdString();
    EXPECT_NE(r.err.find("note: VAEEncode #4: the image is 67x61 pixels and the VAE takes multiples of 8: its centre "
                         "64x56 was used, as ComfyUI does\n"),
              std::string::npos)
        << r.err;
}

TEST(RemoteRun, ProgressPreviewsAndOutputsArriveAsEventsOnTheGraphsNodes) {
    ServerProcess server(servedModels());
    ASSERT_TRUE(server.started()) << server.log().toStdString();
    const Graph graph = tinyTxt2img("events", 7, 3);
    const NodeId sampler = nodeOfType(graph, "KSampler");
    const std::string out = makeTempDir("remote-events");
    const CollectedRun run = runOn(server, graph, out);
    ASSERT_TRUE(run.finished);
    ASSERT_EQ(run.result.outcome, Outcome::Succeeded) << run.result.message << server.log().toStdString();

    std::vector<int> steps;
    int previews = 0, outputs = 0;
    bool samplerStarted = false, samplerDone = false;
    for (const ExecEvent& e : run.events) {
        if (e.kind == ExecEvent::Kind::Progress && e.node == sampler && e.total == 3) steps.push_back(e.step);
        if (e.kind == ExecEvent::Kind::Preview && e.node == sampler && e.preview && e.preview->width > 0 &&
            e.preview->rgb.size() == size_t(e.preview->width * e.preview->height * 3))
            ++previews;
        if (e.kind == ExecEvent::Kind::NodeStarted && e.node == sampler) samplerStarted = true;
        if (e.kind == ExecEvent::Kind::NodeDone && e.node == sampler) samplerDone = true;
        if (e.kind == ExecEvent::Kind::OutputFile) ++outputs;
    }
    EXPECT_EQ(steps, (std::vector<int>{1, 2, 3}));
    EXPECT_EQ(previews, 3);
    EXPECT_TRUE(samplerStarted && samplerDone);
    EXPECT_EQ(outputs, 1);
    ASSERT_EQ(run.result.outputs.size(), 1u);
    EXPECT_EQ(run.result.outputs[0], out + "/events_00001_.png");
    EXPECT_FALSE(cv::imread(run.result.outputs[0]).empty());
}

TEST(RemoteRun, MissingModelOnTheBackendIsNamedBeforeAnythingRuns) {
    ServerProcess server({"--models", QString::fromStdString(makeTempDir("no-models"))});
    ASSERT_TRUE(server.started()) << server.log().toStdString();
    const CliResult r = runTessera("run " + quoted(pipelineGraph("img2img-euler-normal")) + " --input " +
                                   quoted(refdataPath("cases")) + " --output " + quoted(makeTempDir("remote-out")) +
                                   " --server " + server.url("").toStdString());
    EXPECT_EQ(r.exitCode, 3);
    EXPECT_NE(r.err.find("CheckpointLoaderSimple #1: model 'tiny-sd15.safetensors' is not in " + server.url("").toStdString() +
                         "'s checkpoints folder"),
              std::string::npos)
        << r.err;
    EXPECT_TRUE(QDir(server.inputDir()).entryList(QDir::Files).isEmpty()) << "nothing was uploaded";
}

TEST(RemoteRun, ABackendKilledMidRunEndsTheRunAsLostNamingTheNode) {
    ServerProcess server(servedModels());
    ASSERT_TRUE(server.started()) << server.log().toStdString();
    const Graph graph = tinyTxt2img("killed", 3, 400);
    bool killed = false;
    const CollectedRun run = runOn(server, graph, makeTempDir("remote-killed"), [&](const ExecEvent& e, remote::RemoteRun&) {
        if (e.kind == ExecEvent::Kind::Progress && !killed) {
            killed = true;
            server.kill();
        }
    });
    ASSERT_TRUE(killed) << "the sampler reported progress";
    ASSERT_TRUE(run.finished) << "the loss was noticed";
    EXPECT_EQ(run.result.outcome, Outcome::BackendLost);
    EXPECT_NE(run.result.message.find("lost backend " + server.url("").toStdString() + " while KSampler #" +
                                      std::to_string(nodeOfType(graph, "KSampler")) + " was running"),
              std::string::npos)
        << run.result.message;
    EXPECT_TRUE(run.result.outputs.empty());
}

TEST(RemoteRun, CancelInterruptsThePromptOnTheBackend) {
    ServerProcess server(servedModels());
    ASSERT_TRUE(server.started()) << server.log().toStdString();
    bool cancelled = false;
    const CollectedRun run = runOn(server, tinyTxt2img("cancelled", 3, 400), makeTempDir("remote-cancel"),
                                   [&](const ExecEvent& e, remote::RemoteRun& r) {
                                       if (e.kind == ExecEvent::Kind::Progress && !cancelled) {
                                           cancelled = true;
                                           r.cancel();
                                       }
                                   });
    ASSERT_TRUE(run.finished);
    EXPECT_EQ(run.result.outcome, Outcome::Cancelled) << run.result.message;
    const HttpReply queue = httpGet(server.url("/queue"));
    EXPECT_EQ(queue.body, QByteArray(R"({"queue_running":[],"queue_pending":[]})")) << "the backend stopped the prompt";
    EXPECT_EQ(filesIn(server.outputDir()), 0u);
}

TEST(RemoteBackendChecks, TesseraOnlyNodesAreSentOnlyToTesseraBackends) {
    Graph graph = tinyTxt2img("x", 1, 1);
    const NodeId painted = graph.addNode("PaintedMask").id;
    const remote::GraphRequirements needs = remote::requirementsOf(graph, builtinRegistry());
    EXPECT_EQ(needs.folders(), (std::vector<std::string>{"checkpoints"}));
    ASSERT_EQ(needs.models.size(), 1u);
    EXPECT_EQ(needs.models[0].file, "tiny-sd15.safetensors");

    // system_stats as ComfyUI writes it; object_info without the node.
    Json comfyStats = parseJson(R"({"system": {"os": "posix", "comfyui_version": "0.3.40", "python_version": "3.12"}, "devices": []})");
    Json info{Json::Object{}};
    for (const auto& [id, n] : graph.nodes())
        if (n.type != "PaintedMask") info.set(n.type, Json(Json::Object{}));
    remote::BackendCapabilities comfy = remote::capabilitiesFrom(comfyStats, info);
    comfy.models["checkpoints"] = {"tiny-sd15.safetensors"};
    EXPECT_FALSE(comfy.tessera);
    const auto onComfy = remote::missingOn(needs, comfy, graph, "http://gpu:8188");
    ASSERT_EQ(onComfy.size(), 1u);
    EXPECT_EQ(onComfy[0], graph.describeNode(painted) +
                              " is a Tessera-only node (PaintedMask): it runs only on Tessera backends, and http://gpu:8188 is ComfyUI 0.3.40");

    Json tesseraStats = parseJson(R"({"system": {"comfyui_version": "tessera-0.1.0", "tessera_version": "0.1.0"}})");
    remote::BackendCapabilities tessera = remote::capabilitiesFrom(tesseraStats, info);
    EXPECT_TRUE(tessera.tessera);
    tessera.nodeTypes.insert("PaintedMask");
    tessera.models["checkpoints"] = {};
    const auto onTessera = remote::missingOn(needs, tessera, graph, "http://box:8188");
    ASSERT_EQ(onTessera.size(), 1u);
    EXPECT_EQ(onTessera[0], "CheckpointLoaderSimple #1: model 'tiny-sd15.safetensors' is not in http://box:8188's checkpoints folder");
}

TEST(RemoteBackendChecks, DownloadedOutputsNeverOverwriteLocalFiles) {
    const std::string dir = makeTempDir("remote-names");
    EXPECT_EQ(remote::localOutputPath(dir, "", "Tessera_00001_.png"), dir + "/Tessera_00001_.png");
    std::ofstream(dir + "/Tessera_00001_.png") << "x";
    std::ofstream(dir + "/Tessera_00002_.png") << "x";
    EXPECT_EQ(remote::localOutputPath(dir, "", "Tessera_00001_.png"), dir + "/Tessera_00003_.png");
    std::ofstream(dir + "/photo.png") << "x";
    EXPECT_EQ(remote::localOutputPath(dir, "", "photo.png"), dir + "/photo (2).png");
    EXPECT_EQ(remote::localOutputPath(dir, "sub", "a.png"), dir + "/sub/a.png");
    EXPECT_THROW(remote::localOutputPath(dir, "../up", "a.png"), Error);
    EXPECT_THROW(remote::localOutputPath(dir, "", "../a.png"), Error);
}

}  // namespace
}  // namespace tessera::test
