#pragma once
// The TCP server under the QHttpServer. Qt 6.4's QHttpServer reads a whole request into memory
// and has no size limit, so each connection counts the bytes it received since it last sent a
// response; past the limit it answers 413 and closes, before the request can grow further.
// Every connection sends without Nagle's delay (TCP_NODELAY).
#include <QTcpServer>

namespace tessera::server {

class LimitedTcpServer : public QTcpServer {
public:
    LimitedTcpServer(qint64 maxRequestBytes, QObject* parent) : QTcpServer(parent), maxRequestBytes_(maxRequestBytes) {}

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    qint64 maxRequestBytes_;
};

}  // namespace tessera::server
