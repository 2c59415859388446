#include "tests/server/server_harness.h"

#include "tests/support/refdata.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRegularExpression>
#include <QThread>
#include <QTimer>

namespace tessera::test {

Json replyJson(const QByteArray& body) { return parseJson(std::string_view(body.constData(), size_t(body.size())), "reply"); }

void ensureQtApp() {
    static int argc = 1;
    static char name[] = "server_tests";
    static char* argv[] = {name, nullptr};
    if (!QCoreApplication::instance()) new QCoreApplication(argc, argv);
}

ServerProcess::ServerProcess(const QStringList& extraArgs) : process_(std::make_unique<QProcess>()) {
    ensureQtApp();
    const QString root = QString::fromStdString(makeTempDir("serve"));
    inputDir_ = root + "/input";
    outputDir_ = root + "/output";
    QStringList args{"serve", "--listen", "127.0.0.1", "--port", "0", "--input", inputDir_, "--output", outputDir_};
    args += extraArgs;
    process_->setProcessChannelMode(QProcess::SeparateChannels);
    process_->start(TESSERA_CLI_BINARY, args);
    if (!process_->waitForStarted(10000)) return;
    const QRegularExpression listening("listening on http://[^:]+:(\\d+)");
    QByteArray out;
    QEventLoop loop;
    QTimer::singleShot(30000, &loop, &QEventLoop::quit);
    QObject::connect(process_.get(), &QProcess::readyReadStandardOutput, &loop, [&] {
        out += process_->readAllStandardOutput();
        const auto m = listening.match(QString::fromUtf8(out));
        if (m.hasMatch()) {
            port_ = m.captured(1).toInt();
            loop.quit();
        }
    });
    QObject::connect(process_.get(), &QProcess::finished, &loop, &QEventLoop::quit);
    loop.exec();
}

ServerProcess::~ServerProcess() {
    if (process_->state() == QProcess::NotRunning) return;
    process_->terminate();
    if (!process_->waitForFinished(10000)) {
        process_->kill();
        process_->waitForFinished(5000);
    }
}

void ServerProcess::kill() {
    process_->kill();
    process_->waitForFinished(5000);
}

QString ServerProcess::url(const QString& path) const { return QString("http://127.0.0.1:%1%2").arg(port_).arg(path); }

QString ServerProcess::log() const { return QString::fromUtf8(process_->readAllStandardError()); }

double residentMiB(qint64 pid) {
    QFile status(QString("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly)) return 0;
    for (const QByteArray& line : status.readAll().split('\n'))
        if (line.startsWith("VmRSS:")) return line.mid(6).trimmed().split(' ').front().toDouble() / 1024;
    return 0;
}

namespace {

HttpReply finish(QNetworkReply* reply) {
    QEventLoop loop;
    QTimer::singleShot(60000, &loop, &QEventLoop::quit);
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    if (!reply->isFinished()) loop.exec();
    HttpReply r;
    r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    r.body = reply->readAll();
    r.contentType = reply->header(QNetworkRequest::ContentTypeHeader).toByteArray();
    reply->deleteLater();
    return r;
}

QNetworkAccessManager& manager() {
    static QNetworkAccessManager* m = new QNetworkAccessManager;
    return *m;
}

}  // namespace

HttpReply httpGet(const QString& url, const QByteArray& authorization) {
    QNetworkRequest request{QUrl(url)};
    if (!authorization.isEmpty()) request.setRawHeader("Authorization", authorization);
    return finish(manager().get(request));
}

Json waitForHistory(const ServerProcess& server, const std::string& id, int ms) {
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < ms) {
        const HttpReply reply = httpGet(server.url("/history/" + QString::fromStdString(id)));
        if (reply.status == 200) {
            const Json history = replyJson(reply.body);
            if (const Json* entry = history.find(id)) return *entry;
        }
        QThread::msleep(50);
    }
    return Json();
}

HttpReply httpPost(const QString& url, const QByteArray& body, const QByteArray& contentType,
                   const QByteArray& authorization) {
    QNetworkRequest request{QUrl(url)};
    request.setHeader(QNetworkRequest::ContentTypeHeader, contentType);
    if (!authorization.isEmpty()) request.setRawHeader("Authorization", authorization);
    return finish(manager().post(request, body));
}

}  // namespace tessera::test
