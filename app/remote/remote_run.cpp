#include "app/remote/remote_run.h"

#include "app/remote/http_call.h"
#include "app/remote/local_output_path.h"
#include "core/common/error.h"
#include "core/io/comfyui_import.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QHttpMultiPart>
#include <QUuid>
#include <QWebSocket>

#include <utility>

namespace tessera::remote {
namespace {

constexpr int kPingMs = 5000;
constexpr int kSilenceLimitMs = 30000;  // no pong, message or frame for this long: the backend is gone

std::string fieldOf(const Json& j, const char* key) { return j.find(key) ? j.find(key)->toString() : std::string(); }

// "photo-1a2b3c4d5e6f.png": the same picture always gets the same name, another one never
// does, so uploads can overwrite without clobbering anyone's file or piling up copies.
QString uploadName(const QString& file, const QByteArray& data) {
    const QFileInfo info(file);
    const QByteArray hash = QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex().left(12);
    return info.completeBaseName() + "-" + QString::fromLatin1(hash) + "." + info.suffix();
}

QHttpPart formField(const QByteArray& name, const QByteArray& value) {
    QHttpPart part;
    part.setHeader(QNetworkRequest::ContentDispositionHeader, "form-data; name=\"" + name + "\"");
    part.setBody(value);
    return part;
}

// node_errors of a rejected prompt, one line per problem.
std::string describeRejection(const HttpResult& r, const Graph& graph, const std::string& backend) {
    std::string text = "backend " + backend + " refused the prompt";
    try {
        const Json body = r.json("the answer");
        if (const Json* e = body.find("error"); e && e->find("message")) text += ": " + e->find("message")->toString();
        if (const Json* errors = body.find("node_errors"))
            for (const auto& [key, entry] : errors->object()) {
                std::string node = key;
                try {
                    if (graph.node(std::stoll(key))) node = graph.describeNode(std::stoll(key));
                } catch (...) {
                }
                if (const Json* list = entry.find("errors"))
                    for (const Json& err : list->array()) {
                        const std::string details = fieldOf(err, "details");
                        text += "\n  " + node + ": " + (details.empty() ? fieldOf(err, "message") : details);
                    }
            }
    } catch (const Error&) {
        text += " (HTTP " + std::to_string(r.status) + ")";
    }
    return text;
}

}  // namespace

RemoteRunRequest remoteRunRequest(const BackendAddress& backend, const Graph& graph, const Registry& registry,
                                  const Environment& env) {
    RemoteRunRequest r;
    r.backend = backend;
    r.graph = graph;
    const QByteArray prompt = graphToComfyPrompt(graph, registry);
    r.prompt = parseJson(std::string_view(prompt.constData(), size_t(prompt.size())), "the graph's API prompt");
    r.uploads = requirementsOf(graph, registry).images;
    r.inputDir = env.inputDir;
    r.outputDir = env.outputDir;
    r.tempDir = env.tempDir;
    return r;
}

RemoteRun::RemoteRun(QNetworkAccessManager& net, RemoteRunRequest request, Observer observer, Finished finished,
                     QObject* parent)
    : QObject(parent), net_(net), request_(std::move(request)), observer_(std::move(observer)),
      onFinished_(std::move(finished)),
      promptId_(QUuid::createUuid().toString(QUuid::WithoutBraces).toStdString()),
      clientId_("tessera-" + QUuid::createUuid().toString(QUuid::Id128).toStdString()),
      backendName_(request_.backend.name()), translator_(request_.graph, promptId_) {}

RemoteRun::~RemoteRun() {
    if (socket_) socket_->disconnect(this);
}

void RemoteRun::start() {
    clock_.start();
    uploadNext(0);
}

void RemoteRun::uploadNext(size_t index) {
    if (finished_) return;
    if (index == request_.uploads.size()) return openSocket();
    const InputImageNeed& need = request_.uploads[index];
    const QString path = QString::fromStdString(request_.inputDir) + "/" + QString::fromStdString(need.file);
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return finish(RemoteRunResult::Outcome::Failed,
                      request_.graph.describeNode(need.node) + ": input image '" + need.file + "' not found in " +
                          request_.inputDir);
    const QByteArray data = file.readAll();
    auto* parts = new QHttpMultiPart(QHttpMultiPart::FormDataType);
    QHttpPart image;
    image.setHeader(QNetworkRequest::ContentDispositionHeader,
                    "form-data; name=\"image\"; filename=\"" + uploadName(path, data).toUtf8() + "\"");
    image.setHeader(QNetworkRequest::ContentTypeHeader, "application/octet-stream");
    image.setBody(data);
    parts->append(image);
    parts->append(formField("type", "input"));
    parts->append(formField("overwrite", "true"));
    httpPostMultipart(net_, request_.backend, "/upload/image", parts, this, [this, index](const HttpResult& r) {
        if (finished_) return;
        const InputImageNeed& need = request_.uploads[index];
        if (!r.ok())
            return finish(r.reached() ? RemoteRunResult::Outcome::Failed : RemoteRunResult::Outcome::BackendLost,
                          request_.graph.describeNode(need.node) + ": uploading '" + need.file + "': " +
                              describeFailure(request_.backend, "POST /upload/image", r));
        try {
            const Json answer = r.json("the upload answer");
            const std::string sub = fieldOf(answer, "subfolder"), name = fieldOf(answer, "name");
            Json* node = nullptr;
            for (auto& [key, n] : request_.prompt.object())
                if (key == std::to_string(need.node)) node = &n;
            if (node) {
                Json inputs = node->find("inputs") ? *node->find("inputs") : Json(Json::Object{});
                inputs.set(need.input, sub.empty() ? name : sub + "/" + name);
                node->set("inputs", std::move(inputs));
            }
        } catch (const Error& e) {
            return finish(RemoteRunResult::Outcome::Failed, "backend " + backendName_ + ": " + e.what());
        }
        uploadNext(index + 1);
    });
}

void RemoteRun::openSocket() {
    socket_ = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    socket_->setMaxAllowedIncomingMessageSize(256 << 20);
    connect(socket_, &QWebSocket::connected, this, [this] { postPrompt(); });
    connect(socket_, &QWebSocket::textMessageReceived, this, [this](const QString& t) { onText(t); });
    connect(socket_, &QWebSocket::binaryMessageReceived, this, [this](const QByteArray& b) { onBinary(b); });
    connect(socket_, &QWebSocket::pong, this, [this] { lastHeard_.restart(); });
    connect(socket_, &QWebSocket::disconnected, this, [this] {
        onSocketGone(socket_->closeReason().isEmpty() ? "the connection closed" : socket_->closeReason().toStdString());
    });
    connect(socket_, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this,
            [this](QAbstractSocket::SocketError) { onSocketGone(socket_->errorString().toStdString()); });
    connect(&keepAlive_, &QTimer::timeout, this, [this] {
        if (lastHeard_.elapsed() > kSilenceLimitMs) return onSocketGone("no answer for " + std::to_string(kSilenceLimitMs / 1000) + " s");
        socket_->ping();
    });
    lastHeard_.start();
    keepAlive_.start(kPingMs);
    socket_->open(request_.backend.websocketRequest(QString::fromStdString(clientId_)));
}

void RemoteRun::postPrompt() {
    if (finished_ || posted_) return;
    Json body;
    body.set("prompt", request_.prompt);
    body.set("client_id", clientId_);
    body.set("prompt_id", promptId_);
    httpPostJson(net_, request_.backend, "/prompt", body, this, [this](const HttpResult& r) {
        if (finished_) return;
        if (!r.reached())
            return finish(RemoteRunResult::Outcome::BackendLost, describeFailure(request_.backend, "POST /prompt", r));
        if (r.status == 400)
            return finish(RemoteRunResult::Outcome::Rejected, describeRejection(r, request_.graph, backendName_));
        if (!r.ok()) return finish(RemoteRunResult::Outcome::Failed, describeFailure(request_.backend, "POST /prompt", r));
        posted_ = true;
        try {
            // A ComfyUI that predates client-chosen prompt ids gives its own: follow that one.
            const Json answer = r.json("the prompt answer");
            if (const Json* id = answer.find("prompt_id"); id && id->isString() && id->toString() != promptId_) {
                promptId_ = id->toString();
                translator_.setPromptId(promptId_);
            }
        } catch (const Error&) {
        }
        for (const QString& text : std::exchange(early_, {})) handleText(text);
        if (cancelRequested_) cancel();
    });
}

void RemoteRun::onText(const QString& text) {
    lastHeard_.restart();
    if (finished_) return;
    if (!posted_) early_.push_back(text);
    else handleText(text);
}

void RemoteRun::handleText(const QString& text) {
    if (finished_) return;
    Json message;
    try {
        message = parseJson(text.toStdString(), "a websocket message");
    } catch (const Error&) {
        return;  // ComfyUI clients ignore what they cannot read
    }
    if (const Json* data = message.find("data"); data && fieldOf(message, "type") == "executed" &&
                                                 fieldOf(*data, "prompt_id") == promptId_)
        if (const Json* output = data->find("output"); output && output->find("images"))
            for (const Json& image : output->find("images")->array()) executedImages_.push_back(image);
    std::vector<ExecEvent> events;
    translator_.text(message, events);
    emitEvents(events);
    if (translator_.end() != ProgressTranslator::End::Running) afterEnd();
}

void RemoteRun::onBinary(const QByteArray& frame) {
    lastHeard_.restart();
    if (finished_) return;
    std::vector<ExecEvent> events;
    translator_.binary(frame, events);
    emitEvents(events);
}

void RemoteRun::emitEvents(std::vector<ExecEvent>& events) {
    if (!observer_) return;
    for (const ExecEvent& e : events) observer_(e);
}

std::string RemoteRun::whileRunning() const {
    if (translator_.currentNode()) return " while " + request_.graph.describeNode(translator_.currentNode()) + " was running";
    return posted_ ? " after the prompt was queued there" : "";
}

void RemoteRun::onSocketGone(const std::string& why) {
    if (finished_) return;
    if (cancelRequested_) return finish(RemoteRunResult::Outcome::Cancelled);
    finish(RemoteRunResult::Outcome::BackendLost, "lost backend " + backendName_ + whileRunning() + " (" + why + ")");
}

void RemoteRun::afterEnd() {
    using End = ProgressTranslator::End;
    if (translator_.end() == End::Failed) {
        result_.failedNode = translator_.failedNode();
        return finish(RemoteRunResult::Outcome::Failed, translator_.error() + " (on " + backendName_ + ")");
    }
    if (translator_.end() == End::Interrupted) return finish(RemoteRunResult::Outcome::Cancelled);
    keepAlive_.stop();
    socket_->disconnect(this);  // the run is over: a closing socket is no longer news
    httpGet(net_, request_.backend, QString::fromStdString("/history/" + promptId_), {}, this, [this](const HttpResult& r) {
        if (finished_) return;
        std::vector<Json> images;
        std::vector<ExecEvent> notes;
        try {
            const Json history = r.ok() ? r.json("the history") : Json();
            if (const Json* entry = history.find(promptId_)) {
                translator_.historyNotes(*entry, notes);
                if (const Json* outputs = entry->find("outputs"))
                    for (const auto& [key, output] : outputs->object())
                        if (const Json* list = output.find("images"))
                            for (const Json& image : list->array()) images.push_back(image);
            }
        } catch (const Error&) {
        }
        if (!notes.empty()) emitEvents(notes);
        downloadNext(images.empty() ? executedImages_ : std::move(images), 0);
    });
}

void RemoteRun::downloadNext(std::vector<Json> images, size_t index) {
    for (; index < images.size(); ++index) {
        const std::string type = fieldOf(images[index], "type");
        if (type == "output" || type.empty() || (type == "temp" && !request_.tempDir.empty())) break;
    }
    if (index == images.size()) return finish(RemoteRunResult::Outcome::Succeeded);
    const Json image = images[index];
    QUrlQuery query;
    query.addQueryItem("filename", QString::fromStdString(fieldOf(image, "filename")));
    query.addQueryItem("subfolder", QString::fromStdString(fieldOf(image, "subfolder")));
    query.addQueryItem("type", QString::fromStdString(fieldOf(image, "type")));
    httpGet(net_, request_.backend, "/view", query, this, [this, images = std::move(images), index](const HttpResult& r) mutable {
        if (finished_) return;
        const std::string name = fieldOf(images[index], "filename");
        if (!r.ok())
            return finish(r.reached() ? RemoteRunResult::Outcome::Failed : RemoteRunResult::Outcome::BackendLost,
                          describeFailure(request_.backend, "GET /view " + name, r));
        try {
            const bool temp = fieldOf(images[index], "type") == "temp";
            const std::string path =
                localOutputPath(temp ? request_.tempDir : request_.outputDir, fieldOf(images[index], "subfolder"), name);
            QFile file(QString::fromStdString(path));
            if (!file.open(QIODevice::WriteOnly) || file.write(r.body) != r.body.size())
                throw Error("cannot write " + path + ": " + file.errorString().toStdString());
            file.close();
            result_.outputs.push_back(path);
            ExecEvent e;
            e.kind = ExecEvent::Kind::OutputFile;
            e.message = path;
            std::vector<ExecEvent> events{e};
            emitEvents(events);
        } catch (const std::exception& e) {
            return finish(RemoteRunResult::Outcome::Failed, e.what());
        }
        downloadNext(std::move(images), index + 1);
    });
}

void RemoteRun::cancel() {
    if (finished_) return;
    cancelRequested_ = true;
    if (!posted_) {
        if (!socket_ || socket_->state() != QAbstractSocket::ConnectedState) finish(RemoteRunResult::Outcome::Cancelled);
        return;  // postPrompt's answer comes back here once the prompt is queued
    }
    Json interrupt;
    interrupt.set("prompt_id", promptId_);
    httpPostJson(net_, request_.backend, "/interrupt", interrupt, this, [](const HttpResult&) {});
    Json remove;
    remove.set("delete", Json(Json::Array{Json(promptId_)}));
    httpPostJson(net_, request_.backend, "/queue", remove, this, [this](const HttpResult&) {
        // Still pending when deleted: no message will ever come for it.
        if (!finished_ && !translator_.started()) finish(RemoteRunResult::Outcome::Cancelled);
    });
}

void RemoteRun::finish(RemoteRunResult::Outcome outcome, std::string message) {
    if (finished_) return;
    finished_ = true;
    keepAlive_.stop();
    if (socket_) {
        socket_->disconnect(this);
        socket_->abort();
    }
    result_.outcome = outcome;
    result_.message = std::move(message);
    result_.seconds = clock_.isValid() ? double(clock_.elapsed()) / 1000.0 : 0;
    if (onFinished_) onFinished_(result_);
}

}  // namespace tessera::remote
