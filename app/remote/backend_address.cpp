#include "app/remote/backend_address.h"

#include "core/common/error.h"

namespace tessera::remote {
namespace {

QUrl withPath(const QUrl& base, const QString& path) {
    QUrl url = base;
    QString prefix = base.path();
    while (prefix.endsWith('/')) prefix.chop(1);
    url.setPath(prefix + path);
    return url;
}

}  // namespace

QNetworkRequest BackendAddress::request(const QString& path, const QUrlQuery& query) const {
    QUrl url = withPath(base, path);
    if (!query.isEmpty()) url.setQuery(query);
    QNetworkRequest r(url);
    if (!token.isEmpty()) r.setRawHeader("Authorization", "Bearer " + token.toUtf8());
    r.setTransferTimeout(120000);
    return r;
}

QNetworkRequest BackendAddress::websocketRequest(const QString& clientId) const {
    QUrl url = withPath(base, "/ws");
    url.setScheme(base.scheme() == "https" ? "wss" : "ws");
    url.setQuery(QUrlQuery{{"clientId", clientId}});
    QNetworkRequest r(url);
    if (!token.isEmpty()) r.setRawHeader("Authorization", "Bearer " + token.toUtf8());
    return r;
}

std::string BackendAddress::name() const {
    return base.toString(QUrl::RemoveUserInfo | QUrl::StripTrailingSlash).toStdString();
}

BackendAddress parseBackendAddress(const std::string& text, const std::string& token) {
    QString s = QString::fromStdString(text).trimmed();
    if (!s.contains("://")) s = "http://" + s;
    const QUrl url(s, QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty() || (url.scheme() != "http" && url.scheme() != "https"))
        throw Error("'" + text + "' is not a backend URL (expected http://HOST:PORT, e.g. http://gpu-box:8188)");
    BackendAddress a;
    a.base = url;
    a.base.setQuery(QString());
    a.base.setFragment(QString());
    a.token = QString::fromStdString(token);
    return a;
}

}  // namespace tessera::remote
