#pragma once
// `tessera serve`: ComfyUI's HTTP + WebSocket API over Tessera's executor, on Qt HttpServer and
// Qt WebSockets. Everything here runs on the thread that owns the server (the Qt event loop);
// executor events (previews encoded on the worker thread) reach it in batches (event_batch.h).
#include "app/server/event_batch.h"
#include "app/server/prompt_queue.h"
#include "app/server/server_options.h"
#include "core/exec/environment.h"
#include "core/exec/executor.h"
#include "core/graph/registry.h"

#include <QHttpServer>
#include <QObject>
#include <QTemporaryDir>

#include <functional>
#include <map>
#include <memory>
#include <string>

class QWebSocket;

namespace tessera::server {

struct ActiveRun;

class ComfyServer : public QObject {
public:
    ComfyServer(ServerOptions options, const Registry& registry, QObject* parent = nullptr);
    ~ComfyServer() override;

    // Listens on options.listen:options.port; throws tessera::Error when it cannot.
    void start();
    int port() const { return port_; }
    const Environment& environment() const { return env_; }

private:
    using Handler = std::function<QHttpServerResponse(const QHttpServerRequest&)>;
    using ArgHandler = std::function<QHttpServerResponse(const QString&, const QHttpServerRequest&)>;
    void addRoute(const QString& path, QHttpServerRequest::Method method, Handler handler);
    void addArgRoute(const QString& path, QHttpServerRequest::Method method, ArgHandler handler);
    void addRoutes();
    bool authorized(const QHttpServerRequest& request) const;
    bool tokenMatches(const QByteArray& authorization, const QString& queryToken) const;

    // Routes
    QHttpServerResponse postPrompt(const QHttpServerRequest& request);
    QHttpServerResponse postQueue(const QHttpServerRequest& request);
    QHttpServerResponse postInterrupt(const QHttpServerRequest& request);
    QHttpServerResponse getHistory(const QHttpServerRequest& request);
    QHttpServerResponse postHistory(const QHttpServerRequest& request);
    QHttpServerResponse getView(const QHttpServerRequest& request);
    QHttpServerResponse postUpload(const QHttpServerRequest& request, bool mask);
    QHttpServerResponse getModels(const QString& folder);
    QHttpServerResponse systemStats() const;
    QString folderForType(const QString& type) const;  // empty for an unknown type

    // Websocket
    void acceptWebSockets();
    void sendTo(const std::string& clientId, const Json& message);
    void broadcast(const Json& message);
    void sendBinaryTo(const std::string& clientId, const QByteArray& frame);
    Json statusMessage() const;

    // Execution
    void startNextPrompt();
    void takeExecEvents();  // on the server's thread: the batch the worker relayed
    void onExecEvent(const ExecEvent& event);
    void finishRun(const ExecEvent& event);
    Json imageRef(const std::string& path) const;

    ServerOptions options_;
    const Registry& registry_;
    Environment env_;
    QTemporaryDir tempDir_;
    QHttpServer http_;
    std::shared_ptr<EventBatch> events_ = std::make_shared<EventBatch>();  // worker -> this thread
    Executor executor_;
    PromptQueue queue_;
    std::unique_ptr<ActiveRun> run_;
    std::multimap<std::string, QWebSocket*> sockets_;  // by client id
    int port_ = 0;
};

}  // namespace tessera::server
