#pragma once
// Runs the edited graph on the executor without blocking the UI: Ctrl+Enter queues a copy of
// the graph; executor events (worker thread) are forwarded to the GUI thread, where they update
// NodeListModel's run state, the preview store and the queue.
#include "app/editor/backend_list_model.h"
#include "core/exec/environment.h"

#include <QObject>
#include <QImage>
#include <QVariant>

#include <memory>

namespace tessera {
class Executor;
class Graph;
struct ExecEvent;
}  // namespace tessera

namespace tessera::editor {

class GraphDocument;
class NodeListModel;
class OutputHistory;
class PreviewStore;
class PreviewPublisher;
class PoseKeypointStore;

class RunController : public QObject {
    Q_OBJECT
    Q_PROPERTY(bool running READ running NOTIFY queueChanged)
    Q_PROPERTY(QVariantList queue READ queue NOTIFY queueChanged)  // [{runId, title, state: "running"|"pending"}]
    Q_PROPERTY(QString status READ status NOTIFY statusChanged)    // last run's summary or error
    Q_PROPERTY(double progress READ progress NOTIFY progressChanged)  // 0..1 of the running sampler

public:
    RunController(GraphDocument* document, NodeListModel* nodes, PreviewStore* previews, QObject* parent = nullptr);
    ~RunController() override;

    // Folders, device, precision, preview method: from the settings (EditorSettings).
    void setEnvironment(const Environment& env);
    const Environment& environment() const { return env_; }

    bool running() const;
    QVariantList queue() const;
    QString status() const { return status_; }
    double progress() const { return progress_; }

    Q_INVOKABLE int run();                 // queues the current graph; the run id
    Q_INVOKABLE void cancel(int runId);    // pending: removed; running: stops within a sampler step
    Q_INVOKABLE void cancelAll();          // Esc
    // Empties this machine's cache of node outputs (ComfyUI's /free): every run of a new seed keeps
    // its results within the cache's byte budget until then. A run in progress keeps what it holds.
    Q_INVOKABLE void freeMemory();
    Q_INVOKABLE double cachedOutputBytes() const;  // what freeMemory() would release
    void setThreads(int threads);          // CPU threads for the engine; 0 = all cores
    // The backends of Settings > Backends: with a remote one enabled, runs go through app/remote's
    // RunQueue (this machine too, when enabled); otherwise straight to this process's executor.
    void setBackends(const std::vector<BackendEntry>& backends);
    // Where each output file is recorded (with its node, run and the run's input image); optional.
    void setOutputHistory(OutputHistory* history) { history_ = history; }
    // Previews go through it (at most one model update a frame, none for nodes out of view);
    // without one, straight to the node model.
    void setPreviewPublisher(PreviewPublisher* publisher) { publisher_ = publisher; }
    // Where the POSE_KEYPOINT outputs of each finished or failed run are kept; optional. (Runs on
    // remote backends bring back no values, so they record none.)
    void setPoseKeypoints(PoseKeypointStore* poses) { poses_ = poses; }

Q_SIGNALS:
    void queueChanged();
    void statusChanged();
    void progressChanged();
    void runFinished(int runId, bool ok, const QString& message);
    // A node failed: the canvas outlines it and clicking the message selects it.
    void nodeFailed(qint64 nodeId, const QString& message);
    void outputImage(qint64 nodeId, const QString& fileUrl);
    // A node told the user something that is not an error (the nodes model's "runNotes" shows it).
    void nodeNote(qint64 nodeId, const QString& text);

private:
    int runOnBackends(const Graph& graph, const Environment& env, int id);
    // One executor event, on the GUI thread (kind: ExecEvent::Kind).
    void handle(int runId, int kind, qint64 node, int step, int total, const QString& message, const QImage& preview,
                double seconds);

    struct Impl;
    std::unique_ptr<Impl> impl_;
    GraphDocument* doc_;
    NodeListModel* nodes_;
    PreviewStore* previews_;
    OutputHistory* history_ = nullptr;
    PreviewPublisher* publisher_ = nullptr;
    PoseKeypointStore* poses_ = nullptr;
    Environment env_;
    QString status_;
    double progress_ = 0;
    int threads_ = 0;
};

}  // namespace tessera::editor
