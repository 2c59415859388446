#include "app/editor/run_controller.h"

#include "app/editor/graph_document.h"
#include "app/editor/node_list_model.h"
#include "app/editor/output_history.h"
#include "app/editor/pose_keypoint_store.h"
#include "app/editor/preview_publisher.h"
#include "app/editor/preview_store.h"
#include "core/common/error.h"
#include "core/engine/compute/device.h"
#include "core/exec/executor.h"
#include "core/io/comfyui_import.h"
#include "core/io/graph_json.h"
#include "core/sweep/sweep.h"

#ifdef TESSERA_EDITOR_REMOTE
#include "app/remote/local_backend.h"
#include "app/remote/remote_backend.h"
#include "app/remote/run_queue.h"
#endif

#include <QDir>
#include <QImage>
#include <QSet>
#include <QUrl>

#include <filesystem>
#include <map>

namespace tessera::editor {

namespace {
QImage toQImage(const PreviewImage& p) {
    if (p.width <= 0 || p.height <= 0 || p.rgb.size() < size_t(p.width) * p.height * 3) return {};
    return QImage(p.rgb.data(), p.width, p.height, p.width * 3, QImage::Format_RGB888).copy();
}

// What the GUI thread needs of an executor event (the preview already converted on the worker).
struct Forwarded {
    ExecEvent::Kind kind;
    qint64 node;
    int step, total;
    QString message;
    QImage preview;
    double seconds;
};
}  // namespace

struct RunController::Impl {
    explicit Impl(const Registry& registry) : executor(registry) {}
    struct Run {
        int id = 0;
        QString title;
        bool started = false;
        QString inputImageUrl;  // the graph's LoadImage image: the "before" of its outputs
        RunHandle handle;
    };
    std::vector<Run> runs;  // pending and running, in order
#ifdef TESSERA_EDITOR_REMOTE
    std::vector<BackendEntry> backends;
    std::unique_ptr<remote::RunQueue> queue;  // while remote backends are in use
    bool queueStale = true;                    // the backends changed since it was made
    std::map<int, int> runOfJob, jobOfRun;
#endif
    QSet<qint64> touched;   // nodes of the running run not yet finished (reset when cancelled)
    QSet<qint64> failed;    // nodes of the running run that reported their failure
    int nextId = 1;
    Executor executor;      // last: its destructor stops the worker before the rest goes away

    Run* find(int id) {
        for (auto& r : runs)
            if (r.id == id) return &r;
        return nullptr;
    }
};

RunController::RunController(GraphDocument* document, NodeListModel* nodes, PreviewStore* previews, QObject* parent)
    : QObject(parent),
      impl_(std::make_unique<Impl>(document->registry())),
      doc_(document),
      nodes_(nodes),
      previews_(previews) {}

RunController::~RunController() = default;

void RunController::setEnvironment(const Environment& env) {
    env_ = env;
#ifdef TESSERA_EDITOR_REMOTE
    impl_->queueStale = true;  // this machine's backend keeps its own copy
#endif
}

void RunController::setBackends(const std::vector<BackendEntry>& backends) {
#ifdef TESSERA_EDITOR_REMOTE
    impl_->backends = backends;
    impl_->queueStale = true;
#else
    (void)backends;
#endif
}

bool RunController::running() const { return !impl_->runs.empty(); }

QVariantList RunController::queue() const {
    QVariantList out;
    for (const auto& r : impl_->runs)
        out << QVariantMap{{"runId", r.id}, {"title", r.title}, {"state", r.started ? "running" : "pending"}};
    return out;
}

int RunController::run() {
    Environment env = env_;
    if (!doc_->inputDir().isEmpty()) env.inputDir = doc_->inputDir().toStdString();
    const Graph& graph = doc_->graph();
    try {
        if (!env.outputDir.empty()) std::filesystem::create_directories(env.outputDir);
        if (!env.tempDir.empty()) std::filesystem::create_directories(env.tempDir);
        Graph runOnce = graph;
        saveSweep(runOnce, {});  // the images embed a graph that runs once, not the saved sweep
        env.workflowJson = graphToJson(runOnce).toStdString();
        try {
            env.promptJson = graphToComfyPrompt(graph, doc_->registry()).toStdString();
        } catch (const Error&) {
            // A graph ComfyUI can't express still saves its Tessera form.
        }
    } catch (const std::exception& e) {
        status_ = QString::fromUtf8(e.what());
        Q_EMIT statusChanged();
        return -1;
    }

    const int id = impl_->nextId++;
    Impl::Run r;
    r.id = id;
    r.title = QStringLiteral("%1 #%2").arg(doc_->displayName()).arg(id);
    r.inputImageUrl = OutputHistory::inputImageUrl(graph, QString::fromStdString(env.inputDir));
    auto observer = [this, id](const ExecEvent& ev) {
        Forwarded f{ev.kind, qint64(ev.node), ev.step, ev.total, QString::fromStdString(ev.message), {}, ev.seconds};
        if (ev.kind == ExecEvent::Kind::Preview && ev.preview) f.preview = toQImage(*ev.preview);
        QMetaObject::invokeMethod(
            this, [this, id, f] { handle(id, int(f.kind), f.node, f.step, f.total, f.message, f.preview, f.seconds); },
            Qt::QueuedConnection);
    };
    engine::configureThreads(threads_);
    impl_->runs.push_back(std::move(r));
    if (runOnBackends(graph, env, id) < 0) impl_->runs.back().handle = impl_->executor.start(graph, env, observer);
    // "Control after generate" (ComfyUI): the seed changes once the graph is queued, so queued
    // runs each get their own seed and the next run never repeats the last one.
    doc_->applyAfterRunWidgetChanges();
    status_ = QStringLiteral("Queued %1").arg(impl_->runs.back().title);
    Q_EMIT statusChanged();
    Q_EMIT queueChanged();
    return id;
}

int RunController::runOnBackends(const Graph& graph, const Environment& env, int id) {
#ifdef TESSERA_EDITOR_REMOTE
    bool remote = false;
    for (size_t i = 1; i < impl_->backends.size(); ++i) remote = remote || impl_->backends[i].enabled;
    if (!remote) return -1;
    if (!impl_->queue || (impl_->queueStale && impl_->runOfJob.empty())) {
        std::vector<std::unique_ptr<remote::Backend>> list;
        for (const BackendEntry& b : impl_->backends) {
            if (!b.enabled) continue;
            if (b.url.isEmpty()) list.push_back(std::make_unique<remote::LocalBackend>(doc_->registry(), env_));
            else
                list.push_back(std::make_unique<remote::RemoteBackend>(
                    remote::parseBackendAddress(b.url.toStdString(), b.token.toStdString()), doc_->registry()));
        }
        remote::RunQueue::Callbacks callbacks;
        callbacks.onEvent = [this](int job, const std::string& backend, const ExecEvent& e) {
            auto it = impl_->runOfJob.find(job);
            if (it == impl_->runOfJob.end()) return;
            const QImage preview = e.kind == ExecEvent::Kind::Preview && e.preview ? toQImage(*e.preview) : QImage();
            handle(it->second, int(e.kind), qint64(e.node), e.step, e.total, QString::fromStdString(e.message), preview, e.seconds);
            if (e.kind == ExecEvent::Kind::RunStarted) {  // say where it runs
                status_ = status_.chopped(1) + QStringLiteral(" on %1…").arg(QString::fromStdString(backend));
                Q_EMIT statusChanged();
            }
        };
        callbacks.onNote = [this](int, const std::string& note) {
            status_ = QString::fromStdString(note);
            Q_EMIT statusChanged();
        };
        callbacks.onFinished = [this](const remote::JobReport& report) {
            auto it = impl_->runOfJob.find(report.job);
            if (it == impl_->runOfJob.end()) return;
            const int runId = it->second;
            impl_->runOfJob.erase(it);
            impl_->jobOfRun.erase(runId);
            using O = remote::RemoteRunResult::Outcome;
            const O outcome = report.result.outcome;
            const ExecEvent::Kind kind = outcome == O::Succeeded   ? ExecEvent::Kind::RunFinished
                                         : outcome == O::Cancelled ? ExecEvent::Kind::RunCancelled
                                                                   : ExecEvent::Kind::RunFailed;
            handle(runId, int(kind), qint64(report.result.failedNode), 0, 0, QString::fromStdString(report.result.message), {},
                   report.result.seconds);
        };
        impl_->queue = std::make_unique<remote::RunQueue>(doc_->registry(), std::move(list), std::move(callbacks));
        impl_->queue->start();
        impl_->queueStale = false;
    }
    const int job = impl_->queue->submit(graph, env);
    impl_->runOfJob[job] = id;
    impl_->jobOfRun[id] = job;
    return job;
#else
    (void)graph, (void)env, (void)id;
    return -1;
#endif
}

void RunController::cancel(int runId) {
    Impl::Run* r = impl_->find(runId);
    if (!r) return;
#ifdef TESSERA_EDITOR_REMOTE
    if (auto job = impl_->jobOfRun.find(runId); job != impl_->jobOfRun.end()) {
        impl_->queue->cancel(job->second);
        return;  // the queue reports the end (at once for a job that had not started)
    }
#endif
    r->handle.cancel();
    if (!r->started) {
        // A queued run ends without running anything; drop it from the queue now.
        impl_->runs.erase(impl_->runs.begin() + (r - impl_->runs.data()));
        Q_EMIT queueChanged();
    }
}

void RunController::cancelAll() {
    std::vector<int> ids;
    for (const auto& r : impl_->runs) ids.push_back(r.id);
    for (int id : ids) cancel(id);
}

void RunController::freeMemory() { impl_->executor.freeAll(); }

double RunController::cachedOutputBytes() const { return double(impl_->executor.cacheBytes()); }

void RunController::setThreads(int threads) { threads_ = threads; }

void RunController::handle(int runId, int kindValue, qint64 node, int step, int total, const QString& message,
                           const QImage& preview, double seconds) {
    using K = ExecEvent::Kind;
    const K kind = K(kindValue);
    Impl::Run* r = impl_->find(runId);
    if (!r) return;  // cancelled while pending
    switch (kind) {
    case K::RunStarted:
        r->started = true;
        impl_->touched.clear();
        impl_->failed.clear();
        nodes_->resetRunState();
        previews_->clear();
        if (publisher_) publisher_->clear();
        progress_ = 0;
        status_ = QStringLiteral("Running %1…").arg(r->title);
        Q_EMIT progressChanged();
        Q_EMIT statusChanged();
        Q_EMIT queueChanged();
        break;
    case K::NodeQueued:
        impl_->touched.insert(node);
        nodes_->setRunState(node, "queued");
        break;
    case K::NodeStarted:
        nodes_->setRunState(node, "running", 0);
        break;
    case K::NodeCached:
        impl_->touched.remove(node);
        nodes_->setRunState(node, "cached", 1);
        break;
    case K::NodeDone:
        impl_->touched.remove(node);
        nodes_->setRunState(node, "done", 1);
        break;
    case K::NodeFailed:
        impl_->touched.remove(node);
        impl_->failed.insert(node);
        nodes_->setRunState(node, "failed", 0, message);
        Q_EMIT nodeFailed(node, message);
        break;
    case K::Progress:
        progress_ = total > 0 ? double(step) / total : 0;
        nodes_->setRunState(node, "running", progress_);
        Q_EMIT progressChanged();
        break;
    case K::Preview:
        if (preview.isNull()) break;
        if (publisher_)
            publisher_->post(node, previews_->put(node, preview));
        else
            nodes_->setPreview(node, previews_->put(node, preview));
        break;
    case K::OutputFile: {
        const QString url = QUrl::fromLocalFile(message).toString();
        nodes_->addOutputImage(node, url);
        if (history_) {
            const int row = nodes_->rowOf(node);
            const QString title = row >= 0 ? nodes_->get(row).value("title").toString() : QString();
            history_->add({url, node, title.isEmpty() ? QStringLiteral("Node %1").arg(node) : title, runId,
                           r->inputImageUrl});
        }
        Q_EMIT outputImage(node, url);
        break;
    }
    case K::NodeNote:
        nodes_->addRunNote(node, message);
        Q_EMIT nodeNote(node, message);
        break;
    case K::RunFinished:
    case K::RunFailed:
    case K::RunCancelled: {
        for (qint64 n : impl_->touched) nodes_->setRunState(n, "idle");
        impl_->touched.clear();
        if (kind == K::RunFailed && node != 0 && !impl_->failed.contains(node)) {
            nodes_->setRunState(node, "failed", 0, message);
            Q_EMIT nodeFailed(node, message);
        }
        // The worker hands the result over right after this last event; local runs only.
        if (poses_ && kind != K::RunCancelled && r->handle.valid()) poses_->record(r->handle.wait().outputs);
        const bool ok = kind == K::RunFinished;
        status_ = ok ? QStringLiteral("Finished %1 in %2 s").arg(r->title).arg(seconds, 0, 'f', 1)
              : kind == K::RunCancelled ? QStringLiteral("Cancelled %1").arg(r->title)
                                        : QStringLiteral("Failed: %1").arg(message);
        impl_->runs.erase(impl_->runs.begin() + (r - impl_->runs.data()));
        progress_ = 0;
        Q_EMIT progressChanged();
        Q_EMIT statusChanged();
        Q_EMIT queueChanged();
        Q_EMIT runFinished(runId, ok, ok ? status_ : message);
        break;
    }
    }
}

}  // namespace tessera::editor
