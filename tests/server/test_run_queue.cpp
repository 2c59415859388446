// The multi-backend run queue (app/remote/run_queue) over real `tessera serve` instances on
// loopback ports and this process: jobs spread, a backend killed mid-run hands its job to the
// other one, a backend without the model is skipped with a note.
#include "tests/cli/cli_runner.h"
#include "tests/server/remote_fixtures.h"
#include "tests/server/server_harness.h"
#include "tests/support/refdata.h"

#include "app/remote/local_backend.h"
#include "app/remote/remote_backend.h"
#include "app/remote/run_queue.h"
#include "core/exec/models_folder.h"

#include <gtest/gtest.h>

#include <QDir>

#include <filesystem>
#include <map>

namespace tessera::test {
namespace {

using remote::JobReport;
using remote::RunQueue;
using Outcome = remote::RemoteRunResult::Outcome;

std::unique_ptr<remote::Backend> remoteBackend(const ServerProcess& server) {
    return std::make_unique<remote::RemoteBackend>(remote::parseBackendAddress(server.url("").toStdString()), builtinRegistry());
}

// A queue and what it reported.
struct QueueLog {
    std::map<int, JobReport> finished;
    std::vector<std::string> notes;
    std::map<int, int> outputEvents;
    std::map<std::string, int> progressByBackend;
    std::function<void(int, const std::string&, const ExecEvent&)> onEvent;

    RunQueue::Callbacks callbacks() {
        RunQueue::Callbacks c;
        c.onEvent = [this](int job, const std::string& backend, const ExecEvent& e) {
            if (e.kind == ExecEvent::Kind::OutputFile) ++outputEvents[job];
            if (e.kind == ExecEvent::Kind::Progress) ++progressByBackend[backend];
            if (onEvent) onEvent(job, backend, e);
        };
        c.onNote = [this](int, const std::string& note) { notes.push_back(note); };
        c.onFinished = [this](const JobReport& r) { finished[r.job] = r; };
        return c;
    }
};

Environment jobEnv(const std::string& outputDir) {
    Environment env;
    env.outputDir = outputDir;
    return env;
}

TEST(RunQueue, SpreadsJobsOverTwoServersAndFailsOverWhenOneIsKilledMidRun) {
    ServerProcess a(servedModels()), b(servedModels());
    ASSERT_TRUE(a.started() && b.started()) << a.log().toStdString() << b.log().toStdString();
    std::vector<std::unique_ptr<remote::Backend>> backends;
    backends.push_back(remoteBackend(a));
    backends.push_back(remoteBackend(b));
    QueueLog log;
    RunQueue queue(builtinRegistry(), std::move(backends), log.callbacks());
    queue.start();

    // Two short jobs at once: one on each server.
    const std::string out = makeTempDir("queue-out");
    const int first = queue.submit(tinyTxt2img("spread", 1, 2), jobEnv(out));
    const int second = queue.submit(tinyTxt2img("spread", 2, 2), jobEnv(out));
    ASSERT_TRUE(waitUntil([&] { return log.finished.size() == 2; }, 120));
    EXPECT_EQ(log.finished[first].result.outcome, Outcome::Succeeded) << log.finished[first].result.message;
    EXPECT_EQ(log.finished[second].result.outcome, Outcome::Succeeded) << log.finished[second].result.message;
    EXPECT_NE(log.finished[first].backend, log.finished[second].backend) << "both backends took one";
    EXPECT_EQ(filesIn(QString::fromStdString(out)), 2u);

    // A long job; the server running it is killed at its first step.
    const std::string failoverOut = makeTempDir("queue-failover");
    std::string killedBackend;
    log.onEvent = [&](int, const std::string& backend, const ExecEvent& e) {
        if (e.kind != ExecEvent::Kind::Progress || !killedBackend.empty()) return;
        killedBackend = backend;
        (backend == a.url("").toStdString() ? a : b).kill();
    };
    const int longJob = queue.submit(tinyTxt2img("failover", 3, 60), jobEnv(failoverOut));
    ASSERT_TRUE(waitUntil([&] { return log.finished.count(longJob) > 0; }, 240));
    const JobReport& report = log.finished[longJob];
    ASSERT_FALSE(killedBackend.empty());
    EXPECT_EQ(report.result.outcome, Outcome::Succeeded) << report.result.message;
    EXPECT_EQ(report.attempts, 2);
    EXPECT_NE(report.backend, killedBackend) << "it completed on the other backend";
    ASSERT_EQ(report.notes.size(), 1u);
    EXPECT_NE(report.notes[0].find("lost backend " + killedBackend + " while KSampler #5 was running"), std::string::npos)
        << report.notes[0];
    EXPECT_EQ(log.outputEvents[longJob], 1) << "the output is recorded once";
    ASSERT_EQ(report.result.outputs.size(), 1u);
    EXPECT_EQ(report.result.outputs[0], failoverOut + "/failover_00001_.png");
    EXPECT_EQ(filesIn(QString::fromStdString(failoverOut)), 1u);
    const size_t killedIndex = queue.backend(0).name() == killedBackend ? 0 : 1;
    EXPECT_FALSE(queue.downReason(killedIndex).empty()) << "the lost backend is set aside";
}

TEST(RunQueue, ABackendWithoutTheModelIsSkippedWithANoteAndThisMachineRunsIt) {
    ServerProcess bare({"--models", QString::fromStdString(makeTempDir("queue-no-models"))});
    ASSERT_TRUE(bare.started()) << bare.log().toStdString();
    Environment machine;
    machine.modelDirs = {refdataModelsDir()};
    machine.device = "cpu";
    machine.precision = "fp32";
    std::vector<std::unique_ptr<remote::Backend>> backends;
    backends.push_back(remoteBackend(bare));
    backends.push_back(std::make_unique<remote::LocalBackend>(builtinRegistry(), machine));
    QueueLog log;
    RunQueue queue(builtinRegistry(), std::move(backends), log.callbacks());
    queue.start();
    const std::string out = makeTempDir("queue-local");
    const int job = queue.submit(tinyTxt2img("local", 4, 2), jobEnv(out));
    ASSERT_TRUE(waitUntil([&] { return log.finished.count(job) > 0; }, 120));
    const JobReport& report = log.finished[job];
    EXPECT_EQ(report.result.outcome, Outcome::Succeeded) << report.result.message;
    EXPECT_EQ(report.backend, "this machine");
    ASSERT_EQ(report.notes.size(), 1u);
    EXPECT_EQ(report.notes[0], "skipped " + bare.url("").toStdString() + ": CheckpointLoaderSimple #1: model 'tiny-sd15.safetensors' is not in " +
                                   bare.url("").toStdString() + "'s checkpoints folder");
    EXPECT_GT(log.progressByBackend["this machine"], 0) << "progress comes from the in-process run too";
    EXPECT_EQ(log.outputEvents[job], 1);
    EXPECT_EQ(filesIn(QString::fromStdString(out)), 1u);

    // A graph nobody has the model for fails with every backend's reason.
    Graph other = tinyTxt2img("none", 1, 1);
    for (auto& [id, n] : other.nodes())
        if (n.type == "CheckpointLoaderSimple") n.widgets["ckpt_name"] = Value(std::string("absent.safetensors"));
    const int impossible = queue.submit(other, jobEnv(out));
    ASSERT_TRUE(waitUntil([&] { return log.finished.count(impossible) > 0; }, 30));
    const std::string& why = log.finished[impossible].result.message;
    EXPECT_EQ(log.finished[impossible].result.outcome, Outcome::Failed);
    EXPECT_NE(why.find("no backend can run this graph"), std::string::npos) << why;
    EXPECT_NE(why.find("this machine: CheckpointLoaderSimple #1: model 'absent.safetensors' is not in this machine's checkpoints folder"),
              std::string::npos)
        << why;
}

TEST(RunQueue, ABackendThatComesBackIsUsedAgain) {
    ServerProcess first(servedModels());
    ASSERT_TRUE(first.started()) << first.log().toStdString();
    const int port = first.port();
    const std::string url = first.url("").toStdString();
    first.kill();
    std::vector<std::unique_ptr<remote::Backend>> backends;
    backends.push_back(std::make_unique<remote::RemoteBackend>(remote::parseBackendAddress(url), builtinRegistry()));
    QueueLog log;
    RunQueue queue(builtinRegistry(), std::move(backends), log.callbacks());
    queue.reprobeMs = 300;
    queue.start();
    ASSERT_TRUE(waitUntil([&] { return !queue.downReason(0).empty(); }, 30));
    EXPECT_NE(queue.downReason(0).find("cannot reach it"), std::string::npos) << queue.downReason(0);

    ServerProcess again(servedModels() + QStringList{"--port", QString::number(port)});
    ASSERT_TRUE(again.started()) << again.log().toStdString();
    ASSERT_EQ(again.port(), port);
    ASSERT_TRUE(waitUntil([&] { return queue.downReason(0).empty(); }, 30)) << queue.downReason(0);
    const std::string out = makeTempDir("queue-back");
    const int job = queue.submit(tinyTxt2img("back", 1, 1), jobEnv(out));
    ASSERT_TRUE(waitUntil([&] { return log.finished.count(job) > 0; }, 60));
    EXPECT_EQ(log.finished[job].result.outcome, Outcome::Succeeded) << log.finished[job].result.message;
    EXPECT_EQ(filesIn(QString::fromStdString(out)), 1u);
}

}  // namespace
}  // namespace tessera::test
