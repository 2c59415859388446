#pragma once
// One graph run on one remote backend over ComfyUI's API: input images uploaded
// (/upload/image), a websocket opened (/ws?clientId=), the prompt posted (/prompt, with our own
// prompt_id), progress / previews / errors followed and translated into ExecEvents on the
// graph's node ids, outputs read from /history/<id> and downloaded (/view) into the local
// output folder. Cancel: /interrupt + a queue delete. A backend that goes away (the websocket
// closes, or it stops answering pings) ends the run as BackendLost so a queue can run it elsewhere.
// Everything happens on the thread that owns the object (a Qt event loop must run).
#include "app/remote/backend_address.h"
#include "app/remote/graph_requirements.h"
#include "app/remote/progress_translator.h"
#include "app/remote/run_outcome.h"
#include "core/exec/environment.h"
#include "core/exec/exec_event.h"
#include "core/graph/graph.h"
#include "core/graph/registry.h"
#include "core/io/json.h"

#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QObject>
#include <QTimer>

#include <functional>
#include <memory>
#include <string>
#include <vector>

class QWebSocket;

namespace tessera::remote {

struct RemoteRunRequest {
    BackendAddress backend;
    Graph graph;  // its node ids are the prompt's keys
    Json prompt;  // the API prompt of `graph` (graphToComfyPrompt)
    std::vector<InputImageNeed> uploads;
    std::string inputDir;   // where the uploaded images are read from
    std::string outputDir;  // "output" images land here
    std::string tempDir;    // "temp" images (PreviewImage); empty: not downloaded
};

// The prompt, the images to upload and the folders, from a graph and the local environment.
// Throws tessera::Error when the graph cannot be written as a ComfyUI prompt.
RemoteRunRequest remoteRunRequest(const BackendAddress& backend, const Graph& graph, const Registry& registry,
                                  const Environment& env);

class RemoteRun : public QObject, public BackendRun {
public:
    using Observer = std::function<void(const ExecEvent&)>;
    // Called once; the run may be deleted later (deleteLater), not inside the callback.
    using Finished = std::function<void(const RemoteRunResult&)>;

    RemoteRun(QNetworkAccessManager& net, RemoteRunRequest request, Observer observer, Finished finished,
              QObject* parent = nullptr);
    ~RemoteRun() override;
    void start();
    void cancel() override;
    bool isFinished() const { return finished_; }
    const std::string& promptId() const { return promptId_; }
    const std::string& backendName() const { return backendName_; }

private:
    void uploadNext(size_t index);
    void openSocket();
    void postPrompt();
    void onText(const QString& text);
    void handleText(const QString& text);
    void onBinary(const QByteArray& frame);
    void onSocketGone(const std::string& why);
    void afterEnd();
    void downloadNext(std::vector<Json> images, size_t index);
    void emitEvents(std::vector<ExecEvent>& events);
    void finish(RemoteRunResult::Outcome outcome, std::string message = {});
    std::string whileRunning() const;  // " while KSampler #3 was running", or ""

    QNetworkAccessManager& net_;
    RemoteRunRequest request_;
    Observer observer_;
    Finished onFinished_;
    std::string promptId_, clientId_, backendName_;
    ProgressTranslator translator_;
    QWebSocket* socket_ = nullptr;
    QTimer keepAlive_;
    QElapsedTimer clock_, lastHeard_;
    std::vector<Json> executedImages_;
    std::vector<QString> early_;  // messages that came before POST /prompt answered  // from "executed" messages: used when the history has none
    RemoteRunResult result_;
    bool posted_ = false, cancelRequested_ = false, finished_ = false;
};

}  // namespace tessera::remote
