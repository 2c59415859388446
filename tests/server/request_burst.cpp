#include "tests/server/request_burst.h"

#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

#include <functional>

namespace tessera::test {

std::vector<int> postBurst(const std::vector<BurstRequest>& requests, int inFlight, int timeoutMs) {
    std::vector<int> status(requests.size(), -1);
    QNetworkAccessManager http;
    QEventLoop loop;
    size_t next = 0, finished = 0;
    std::function<void()> sendNext = [&] {
        if (next >= requests.size()) return;
        const size_t index = next++;
        QNetworkRequest request{QUrl(requests[index].url)};
        request.setHeader(QNetworkRequest::ContentTypeHeader, requests[index].contentType);
        request.setTransferTimeout(timeoutMs);  // aborts with an error; the status stays -1
        QNetworkReply* reply = http.post(request, requests[index].body);
        QObject::connect(reply, &QNetworkReply::finished, &loop, [&, reply, index] {
            reply->deleteLater();
            if (reply->error() != QNetworkReply::OperationCanceledError &&
                reply->error() != QNetworkReply::TimeoutError)
                status[index] = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            if (++finished == requests.size()) loop.quit();
            else sendNext();
        });
    };
    for (int i = 0; i < inFlight; ++i) sendNext();
    if (!requests.empty()) loop.exec();
    return status;
}

}  // namespace tessera::test
