#include "app/server/server_options.h"

#include <QHostAddress>
#include <QString>

namespace tessera::server {

bool isLoopback(const std::string& address) {
    if (address == "localhost") return true;
    QHostAddress a;
    return a.setAddress(QString::fromStdString(address)) && a.isLoopback();
}

}  // namespace tessera::server
