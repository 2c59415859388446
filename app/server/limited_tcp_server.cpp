#include "app/server/limited_tcp_server.h"

#include <QTcpSocket>

#include <memory>

namespace tessera::server {

void LimitedTcpServer::incomingConnection(qintptr descriptor) {
    auto* socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        return;
    }
    // No Nagle: a websocket sends a progress message and, a few ms later, the step's preview
    // frame; with Nagle the frame waits for the client's delayed ACK of the first (~40 ms).
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    struct Budget {
        qint64 received = 0;
        bool refused = false;
    };
    auto budget = std::make_shared<Budget>();
    const qint64 limit = maxRequestBytes_;
    // Connected before the HTTP server's own handler, so this runs first and sees the new bytes.
    connect(socket, &QTcpSocket::readyRead, socket, [socket, budget, limit] {
        if (budget->refused) {
            socket->readAll();
            return;
        }
        budget->received += socket->bytesAvailable();
        if (budget->received <= limit) return;
        budget->refused = true;
        socket->readAll();
        socket->write("HTTP/1.1 413 Payload Too Large\r\nContent-Type: application/json\r\nConnection: close\r\n"
                      "Content-Length: 47\r\n\r\n{\"error\": \"the request is larger than allowed\"}");
        socket->disconnectFromHost();
    });
    connect(socket, &QTcpSocket::bytesWritten, socket, [budget] { budget->received = 0; });
    addPendingConnection(socket);
}

}  // namespace tessera::server
