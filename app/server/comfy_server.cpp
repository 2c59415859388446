#include "app/server/comfy_server.h"

#include "app/server/http_json.h"
#include "app/server/limited_tcp_server.h"
#include "app/server/run_state.h"
#include "core/common/error.h"
#include "core/exec/models_folder.h"

#include <QDir>
#include <QHostAddress>
#include <QUrlQuery>
#include <QUuid>
#include <QWebSocket>

namespace tessera::server {

ComfyServer::ComfyServer(ServerOptions options, const Registry& registry, QObject* parent)
    : QObject(parent), options_(std::move(options)), registry_(registry), executor_(registry) {
    env_.modelDirs = resolveModelDirs(options_.modelDirs);
    env_.inputDir = QDir(QString::fromStdString(options_.inputDir)).absolutePath().toStdString();
    env_.outputDir = QDir(QString::fromStdString(options_.outputDir)).absolutePath().toStdString();
    env_.tempDir = tempDir_.path().toStdString();
    env_.device = options_.device;
    env_.precision = options_.precision;
    env_.previewMethod = options_.previewMethod;
    QDir().mkpath(QString::fromStdString(env_.inputDir));
    QDir().mkpath(QString::fromStdString(env_.outputDir));
    addRoutes();
    http_.setMissingHandler([](const QHttpServerRequest& request, QHttpServerResponder&& responder) {
        jsonResponse(errorBody("not_found", "no route " + request.url().path().toStdString()), Status::NotFound)
            .write(std::move(responder));
    });
    QObject::connect(&http_, &QHttpServer::newWebSocketConnection, this, [this] { acceptWebSockets(); });
    // Qt 6.4 upgrades a websocket request only when a route takes it; this route answers nothing,
    // so the socket goes on to the websocket server (path and token are checked there).
    for (const char* path : {"/ws", "/api/ws"})
        http_.route(path, [](const QHttpServerRequest& request, QHttpServerResponder&& responder) {
            if (request.value("Upgrade").toLower() != "websocket")
                jsonResponse(errorBody("websocket_expected", "this route takes a websocket upgrade"), Status::BadRequest)
                    .write(std::move(responder));
        });
}

ComfyServer::~ComfyServer() {
    if (run_) run_->handle.cancel();
    for (auto& [id, socket] : sockets_) socket->disconnect(this);
}

void ComfyServer::start() {
    QHostAddress address;
    if (options_.listen == "localhost") address = QHostAddress::LocalHost;
    else if (!address.setAddress(QString::fromStdString(options_.listen)))
        throw Error("--listen expects an IP address, got '" + options_.listen + "'");
    if (options_.port < 0 || options_.port > 65535) throw Error("--port expects 0..65535, got " + std::to_string(options_.port));
    auto* tcp = new LimitedTcpServer(std::max(options_.maxJsonBytes, options_.maxUploadBytes) + (1 << 20), &http_);
    if (!tcp->listen(address, quint16(options_.port))) {
        const std::string why = tcp->errorString().toStdString();
        delete tcp;
        throw Error("cannot listen on " + options_.listen + ":" + std::to_string(options_.port) + ": " + why);
    }
    http_.bind(tcp);
    port_ = tcp->serverPort();
}

bool ComfyServer::tokenMatches(const QByteArray& authorization, const QString& queryToken) const {
    if (options_.token.empty()) return true;
    const QByteArray expected = "Bearer " + QByteArray::fromStdString(options_.token);
    auto same = [](const QByteArray& a, const QByteArray& b) {  // constant time for equal lengths
        if (a.size() != b.size()) return false;
        unsigned char diff = 0;
        for (qsizetype i = 0; i < a.size(); ++i) diff |= uchar(a[i] ^ b[i]);
        return diff == 0;
    };
    return same(authorization.trimmed(), expected) ||
           (!queryToken.isEmpty() && same(queryToken.toUtf8(), QByteArray::fromStdString(options_.token)));
}

bool ComfyServer::authorized(const QHttpServerRequest& request) const {
    return tokenMatches(request.value("Authorization"), request.query().queryItemValue("token"));
}

void ComfyServer::addRoute(const QString& path, QHttpServerRequest::Method method, Handler handler) {
    for (const QString& prefix : {QString(), QStringLiteral("/api")}) {
        http_.route(prefix + path, method, [this, handler](const QHttpServerRequest& request) {
            if (!authorized(request))
                return errorResponse(Status::Unauthorized, "unauthorized", "this server needs 'Authorization: Bearer <token>'");
            try {
                return handler(request);
            } catch (const std::exception& e) {
                return errorResponse(Status::BadRequest, "bad_request", e.what());
            }
        });
    }
}

void ComfyServer::addArgRoute(const QString& path, QHttpServerRequest::Method method, ArgHandler handler) {
    for (const QString& prefix : {QString(), QStringLiteral("/api")}) {
        http_.route(prefix + path, method, [this, handler](const QString& arg, const QHttpServerRequest& request) {
            if (!authorized(request))
                return errorResponse(Status::Unauthorized, "unauthorized", "this server needs 'Authorization: Bearer <token>'");
            try {
                return handler(arg, request);
            } catch (const std::exception& e) {
                return errorResponse(Status::BadRequest, "bad_request", e.what());
            }
        });
    }
}

void ComfyServer::acceptWebSockets() {
    while (http_.hasPendingWebSocketConnections()) {
        QWebSocket* socket = http_.nextPendingWebSocketConnection().release();
        socket->setParent(this);
        socket->setMaxAllowedIncomingMessageSize(1 << 20);
        const QUrl url = socket->requestUrl();
        const QUrlQuery query(url);
        if (url.path() != "/ws" && url.path() != "/api/ws") {
            socket->close(QWebSocketProtocol::CloseCodePolicyViolated, "no websocket at " + url.path());
            socket->deleteLater();
            continue;
        }
        if (!tokenMatches(socket->request().rawHeader("Authorization"), query.queryItemValue("token"))) {
            socket->close(QWebSocketProtocol::CloseCodePolicyViolated, "unauthorized");
            socket->deleteLater();
            continue;
        }
        std::string clientId = query.queryItemValue("clientId").toStdString();
        if (clientId.empty()) clientId = QUuid::createUuid().toString(QUuid::Id128).toStdString();
        sockets_.emplace(clientId, socket);
        QObject::connect(socket, &QWebSocket::disconnected, this, [this, socket] {
            for (auto it = sockets_.begin(); it != sockets_.end(); ++it)
                if (it->second == socket) {
                    sockets_.erase(it);
                    break;
                }
            socket->deleteLater();
        });
        QObject::connect(socket, &QWebSocket::textMessageReceived, this, [this, socket](const QString& text) {
            try {
                const Json message = parseJson(text.toStdString(), "the websocket message");
                if (message.find("type") && message.find("type")->toString() == "feature_flags") {
                    Json reply;
                    reply.set("type", "feature_flags");
                    Json flags;
                    flags.set("supports_preview_metadata", false);
                    flags.set("max_upload_size", options_.maxUploadBytes);
                    reply.set("data", std::move(flags));
                    socket->sendTextMessage(QString::fromStdString(writeJson(reply)));
                }
            } catch (const Error&) {
                // ComfyUI ignores messages it cannot read; so does Tessera.
            }
        });
        Json status = statusMessage();
        Json data = *status.find("data");
        data.set("sid", clientId);
        status.set("data", std::move(data));
        socket->sendTextMessage(QString::fromStdString(writeJson(status)));
        if (run_ && run_->prompt->clientId == clientId) {
            Json executing;
            executing.set("type", "executing");
            Json d;
            d.set("node", run_->currentNode.empty() ? Json() : Json(run_->currentNode));
            executing.set("data", std::move(d));
            socket->sendTextMessage(QString::fromStdString(writeJson(executing)));
        }
    }
}

void ComfyServer::sendTo(const std::string& clientId, const Json& message) {
    if (clientId.empty()) return;
    const auto [begin, end] = sockets_.equal_range(clientId);
    if (begin == end) return;
    const QString text = QString::fromStdString(writeJson(message));
    for (auto it = begin; it != end; ++it) it->second->sendTextMessage(text);
}

void ComfyServer::broadcast(const Json& message) {
    if (sockets_.empty()) return;
    const QString text = QString::fromStdString(writeJson(message));
    for (auto& [id, socket] : sockets_) socket->sendTextMessage(text);
}

void ComfyServer::sendBinaryTo(const std::string& clientId, const QByteArray& frame) {
    const auto [begin, end] = sockets_.equal_range(clientId);
    for (auto it = begin; it != end; ++it) it->second->sendBinaryMessage(frame);
}

Json ComfyServer::statusMessage() const {
    Json execInfo;
    execInfo.set("queue_remaining", int64_t(queue_.remaining()));
    Json status;
    status.set("exec_info", std::move(execInfo));
    Json data;
    data.set("status", std::move(status));
    Json message;
    message.set("type", "status");
    message.set("data", std::move(data));
    return message;
}

}  // namespace tessera::server
