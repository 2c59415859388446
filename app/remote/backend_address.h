#pragma once
// Where a remote backend (ComfyUI or `tessera serve`) answers, and the token it wants.
#include <QNetworkRequest>
#include <QString>
#include <QUrl>
#include <QUrlQuery>

#include <string>

namespace tessera::remote {

struct BackendAddress {
    QUrl base;      // http(s)://host:port, optionally with a path prefix (a reverse proxy's /comfy)
    QString token;  // sent as "Authorization: Bearer <token>" (what `tessera serve --token` checks)

    QNetworkRequest request(const QString& path, const QUrlQuery& query = {}) const;
    // ws(s)://host:port/ws?clientId=...
    QNetworkRequest websocketRequest(const QString& clientId) const;
    // The URL for messages: never the token.
    std::string name() const;
};

// "http://box:8188", "box:8188" (http assumed) or "https://box/comfy"; throws tessera::Error for
// anything else (other schemes, no host).
BackendAddress parseBackendAddress(const std::string& url, const std::string& token = {});

}  // namespace tessera::remote
