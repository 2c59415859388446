#include "tests/server/load_client.h"

#include <QNetworkReply>
#include <QNetworkRequest>
#include <QUrl>

namespace tessera::test {

LoadClient::LoadClient(QString serverUrl, std::string clientId, int prompts, PromptBody body,
                       std::function<void()> onPromptDone, std::function<void()> onAllDone)
    : serverUrl_(std::move(serverUrl)), clientId_(std::move(clientId)), prompts_(prompts), body_(std::move(body)),
      onPromptDone_(std::move(onPromptDone)), onAllDone_(std::move(onAllDone)) {
    QObject::connect(&ws_, &QWebSocket::textMessageReceived, this, [this](const QString& text) { onText(text); });
    QObject::connect(&ws_, &QWebSocket::binaryMessageReceived, this, [this](const QByteArray&) { ++previewFrames_; });
    QObject::connect(&ws_, &QWebSocket::disconnected, this, [this] {
        if (!allDone()) problems_.push_back(clientId_ + ": the websocket closed: " + ws_.closeReason().toStdString());
    });
}

void LoadClient::start() {
    QString url = serverUrl_ + "/ws?clientId=" + QString::fromStdString(clientId_);
    ws_.open(QUrl(url.replace("http:", "ws:")));
}

void LoadClient::onText(const QString& text) {
    Json m;
    try {
        m = parseJson(text.toStdString(), "a websocket message");
    } catch (const std::exception& e) {
        problems_.push_back(clientId_ + ": unreadable message: " + e.what());
        return;
    }
    const std::string type = m.find("type") ? m.find("type")->toString() : std::string();
    const Json* data = m.find("data");
    if (!data) return;
    if (type == "status" && data->find("sid") && !greeted_) {
        greeted_ = true;
        postNext();
        return;
    }
    const Json* id = data->find("prompt_id");
    if (!id || !id->isString()) return;
    mentioned_.insert(id->toString());
    if (type == "execution_success") succeeded_.insert(id->toString());
    if (type == "execution_error" || type == "execution_interrupted")
        problems_.push_back(clientId_ + ": " + type + " for " + id->toString() + ": " + text.toStdString());
    if (type == "executing" && data->find("node") && data->find("node")->isNull()) finished(id->toString());
}

void LoadClient::postNext() {
    if (int(posted_.size()) >= prompts_) return;
    QNetworkRequest request{QUrl(serverUrl_ + "/prompt")};
    request.setHeader(QNetworkRequest::ContentTypeHeader, "application/json");
    QNetworkReply* reply = http_.post(request, body_(clientId_, int(posted_.size())));
    QObject::connect(reply, &QNetworkReply::finished, this, [this, reply] {
        reply->deleteLater();
        onPosted(reply->readAll(), reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt());
    });
}

void LoadClient::onPosted(const QByteArray& body, int status) {
    std::string id;
    try {
        const Json answer = parseJson(std::string_view(body.constData(), size_t(body.size())), "the POST /prompt answer");
        if (const Json* p = answer.find("prompt_id")) id = p->toString();
    } catch (const std::exception&) {
    }
    if (status != 200 || id.empty()) {
        problems_.push_back(clientId_ + ": POST /prompt answered " + std::to_string(status) + ": " + body.toStdString());
        return;  // this client stops; the test reports it
    }
    posted_.push_back(id);
    current_ = id;
    // The websocket may have told of the end before the HTTP answer arrived.
    if (finished_.count(id)) finished(id);
}

void LoadClient::finished(const std::string& promptId) {
    finished_.insert(promptId);
    if (promptId != current_) return;
    current_.clear();
    if (onPromptDone_) onPromptDone_();
    if (allDone()) {
        if (onAllDone_) onAllDone_();
    } else {
        postNext();
    }
}

}  // namespace tessera::test
