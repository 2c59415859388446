#include "app/remote/local_backend.h"

#include "core/common/version.h"

#include <QTimer>

namespace tessera::remote {

struct LocalBackend::Run : BackendRun {
    RunHandle handle;
    Observer observer;
    Finished finished;
    std::vector<std::string> outputs;
    void cancel() override { handle.cancel(); }
};

LocalBackend::LocalBackend(const Registry& registry, Environment machine, QObject* parent)
    : QObject(parent), registry_(registry), machine_(std::move(machine)), executor_(registry) {}

LocalBackend::~LocalBackend() {
    for (auto& [id, run] : runs_) run->handle.cancel();
}

void LocalBackend::probe(const std::vector<std::string>& modelFolders, Probed done) {
    caps_ = {};
    caps_.tessera = true;
    caps_.server = std::string("Tessera ") + versionString() + " (in this process)";
    for (const NodeDecl* d : registry_.all()) caps_.nodeTypes.insert(d->type);
    for (const auto& folder : modelFolders) {
        auto& files = caps_.models[folder];
        for (const auto& name : machine_.listModels(folder)) files.insert(name);
    }
    QTimer::singleShot(0, this, [done = std::move(done)] { done({}); });
}

BackendRun* LocalBackend::start(const Graph& graph, const Environment& env, Observer observer, Finished finished) {
    Environment runEnv = env;
    runEnv.modelDirs = machine_.modelDirs;
    runEnv.device = machine_.device;
    runEnv.precision = machine_.precision;
    runEnv.previewMethod = machine_.previewMethod;
    const int id = nextId_++;
    auto run = std::make_unique<Run>();
    run->observer = std::move(observer);
    run->finished = std::move(finished);
    Run* handle = run.get();
    runs_[id] = std::move(run);
    // The worker's events, in order, on this object's thread.
    handle->handle = executor_.start(graph, std::move(runEnv), [this, id](const ExecEvent& e) {
        if (e.kind == ExecEvent::Kind::NodeQueued) return;
        QMetaObject::invokeMethod(this, [this, id, e] { onEvent(id, e); }, Qt::QueuedConnection);
    });
    return handle;
}

void LocalBackend::onEvent(int id, const ExecEvent& e) {
    auto it = runs_.find(id);
    if (it == runs_.end()) return;
    Run& run = *it->second;
    using K = ExecEvent::Kind;
    if (e.kind == K::OutputFile) run.outputs.push_back(e.message);
    if (e.kind != K::RunFinished && e.kind != K::RunFailed && e.kind != K::RunCancelled) {
        if (run.observer) run.observer(e);
        return;
    }
    RemoteRunResult result;
    result.outcome = e.kind == K::RunFinished ? RemoteRunResult::Outcome::Succeeded
                     : e.kind == K::RunFailed ? RemoteRunResult::Outcome::Failed
                                              : RemoteRunResult::Outcome::Cancelled;
    result.message = e.message;
    result.failedNode = e.node;
    result.outputs = std::move(run.outputs);
    result.seconds = e.seconds;
    const Finished finished = std::move(run.finished);
    runs_.erase(it);
    if (finished) finished(result);
}

}  // namespace tessera::remote
