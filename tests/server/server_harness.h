#pragma once
// The real `tessera serve` on a free loopback port, and blocking HTTP / websocket helpers with
// time limits, for the server tests.
#include "core/io/json.h"

#include <QByteArray>
#include <QList>
#include <QProcess>
#include <QString>
#include <QStringList>

#include <memory>
#include <utility>

class QWebSocket;

namespace tessera::test {

// A reply body as JSON (a parse failure throws tessera::Error naming "reply").
Json replyJson(const QByteArray& body);

// Makes the QCoreApplication the Qt network classes need (once per process).
void ensureQtApp();

struct HttpReply {
    int status = 0;
    QByteArray body;
    QByteArray contentType;
};

class ServerProcess {
public:
    // Starts `tessera serve --port 0 --listen 127.0.0.1 <extra>` with fresh input/output folders.
    explicit ServerProcess(const QStringList& extraArgs = {});
    ~ServerProcess();
    bool started() const { return port_ > 0; }
    bool running() const { return process_->state() == QProcess::Running; }
    QString url(const QString& path) const;
    int port() const { return port_; }
    qint64 pid() const { return process_->processId(); }
    // SIGKILL, as a crashed or unplugged backend: no goodbye on any connection.
    void kill();
    const QString& outputDir() const { return outputDir_; }
    const QString& inputDir() const { return inputDir_; }
    QString log() const;

private:
    std::unique_ptr<QProcess> process_;
    int port_ = 0;
    QString inputDir_, outputDir_;
};

HttpReply httpGet(const QString& url, const QByteArray& authorization = {});
HttpReply httpPost(const QString& url, const QByteArray& body, const QByteArray& contentType = "application/json",
                   const QByteArray& authorization = {});

// Polls the history until the prompt is there, for at most `ms`; a null Json when it never is.
Json waitForHistory(const ServerProcess& server, const std::string& id, int ms);

// Websocket messages collected until a predicate on the text messages holds, or a time limit.
struct WsLog {
    QList<QByteArray> texts;
    QList<QByteArray> binaries;
};

// Resident memory of a process in MiB (VmRSS from /proc), 0 when it cannot be read.
double residentMiB(qint64 pid);

}  // namespace tessera::test
