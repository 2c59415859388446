#include "app/remote/http_call.h"

#include "core/common/error.h"

#include <QHttpMultiPart>
#include <QNetworkReply>

namespace tessera::remote {
namespace {

void whenDone(QNetworkReply* reply, QObject* context, HttpCallback done) {
    QObject::connect(reply, &QNetworkReply::finished, context, [reply, done = std::move(done)] {
        HttpResult r;
        r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        r.body = reply->readAll();
        if (!r.reached()) r.networkError = reply->errorString();
        reply->deleteLater();
        done(r);
    });
    // The context gone: nobody waits for the answer.
    QObject::connect(context, &QObject::destroyed, reply, [reply] { reply->abort(); });
}

}  // namespace

Json HttpResult::json(const std::string& what) const {
    return parseJson(std::string_view(body.constData(), size_t(body.size())), what);
}

void httpGet(QNetworkAccessManager& net, const BackendAddress& backend, const QString& path, const QUrlQuery& query,
             QObject* context, HttpCallback done) {
    whenDone(net.get(backend.request(path, query)), context, std::move(done));
}

void httpPostJson(QNetworkAccessManager& net, const BackendAddress& backend, const QString& path, const Json& body,
                  QObject* context, HttpCallback done) {
    QNetworkRequest request = backend.request(path);
    request.setHeader(QNetworkRequest::ContentTypeHeader, "application/json");
    whenDone(net.post(request, QByteArray::fromStdString(writeJson(body))), context, std::move(done));
}

void httpPostMultipart(QNetworkAccessManager& net, const BackendAddress& backend, const QString& path,
                       QHttpMultiPart* parts, QObject* context, HttpCallback done) {
    QNetworkReply* reply = net.post(backend.request(path), parts);
    parts->setParent(reply);
    whenDone(reply, context, std::move(done));
}

std::string describeFailure(const BackendAddress& backend, const std::string& route, const HttpResult& r) {
    std::string text = "backend " + backend.name() + ": " + route + ": ";
    if (!r.reached()) return text + "cannot reach it (" + r.networkError.toStdString() + ")";
    text += "HTTP " + std::to_string(r.status);
    try {
        const Json body = r.json("the answer");
        if (const Json* e = body.find("error")) {
            const Json* m = e->isObject() ? e->find("message") : e;
            if (m && !m->toString().empty()) text += ": " + m->toString();
            if (const Json* d = e->isObject() ? e->find("details") : nullptr; d && !d->toString().empty())
                text += " (" + d->toString() + ")";
        }
    } catch (const Error&) {
        if (!r.body.isEmpty()) text += ": " + r.body.left(200).toStdString();
    }
    if (r.status == 401 || r.status == 403)
        text += backend.token.isEmpty() ? " -- this backend needs a token (--token)" : " -- the token was refused";
    return text;
}

}  // namespace tessera::remote
