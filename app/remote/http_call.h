#pragma once
// Asynchronous HTTP to a backend: one callback per request, on the caller's thread, dropped if
// `context` is destroyed first. Failures become messages that name the backend and the route.
#include "app/remote/backend_address.h"
#include "core/io/json.h"

#include <QByteArray>
#include <QNetworkAccessManager>
#include <QObject>

#include <functional>
#include <string>

class QHttpMultiPart;

namespace tessera::remote {

struct HttpResult {
    int status = 0;        // 0 when no HTTP answer came
    QByteArray body;
    QString networkError;  // set when the backend could not be reached or the transfer broke

    bool reached() const { return status != 0; }
    bool ok() const { return status >= 200 && status < 300; }
    Json json(const std::string& what) const;  // throws tessera::Error naming `what`
};

using HttpCallback = std::function<void(const HttpResult&)>;

void httpGet(QNetworkAccessManager& net, const BackendAddress& backend, const QString& path, const QUrlQuery& query,
             QObject* context, HttpCallback done);
void httpPostJson(QNetworkAccessManager& net, const BackendAddress& backend, const QString& path, const Json& body,
                  QObject* context, HttpCallback done);
// Takes ownership of `parts`.
void httpPostMultipart(QNetworkAccessManager& net, const BackendAddress& backend, const QString& path,
                       QHttpMultiPart* parts, QObject* context, HttpCallback done);

// "backend http://box:8188: GET /object_info: 401 unauthorized: this server needs ..." with the
// hints a user needs (unreachable, wrong token).
std::string describeFailure(const BackendAddress& backend, const std::string& route, const HttpResult& result);

}  // namespace tessera::remote
