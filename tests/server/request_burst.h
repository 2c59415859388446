#pragma once
// Many POST requests against one server with a bounded number in flight, each with a time limit:
// the answer's HTTP status for each, 0 when the connection closed without one, -1 when none came
// within the limit (a hang).
#include <QByteArray>
#include <QString>

#include <vector>

namespace tessera::test {

struct BurstRequest {
    QString url;
    QByteArray body;
    QByteArray contentType;
};

std::vector<int> postBurst(const std::vector<BurstRequest>& requests, int inFlight, int timeoutMs);

}  // namespace tessera::test
