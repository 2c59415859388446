#pragma once
// What a backend offers, read from its own API: which kind of server it is (system_stats), its
// node types (/object_info) and the model files of the folders asked for (/models/<folder>).
#include "app/remote/backend_address.h"
#include "core/io/json.h"

#include <QNetworkAccessManager>
#include <QObject>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace tessera::remote {

struct BackendCapabilities {
    bool tessera = false;  // `tessera serve` (system_stats names a tessera_version): runs Tessera-only nodes
    std::string server;    // "Tessera 0.9.0" / "ComfyUI 0.3.40", for messages
    std::set<std::string> nodeTypes;
    std::map<std::string, std::set<std::string>> models;  // folder -> files; folders it could not list are absent
};

// From the bodies of GET /system_stats and GET /object_info.
BackendCapabilities capabilitiesFrom(const Json& systemStats, const Json& objectInfo);

// Reads a backend's capabilities: system_stats, object_info, then each model folder asked for
// (a folder the backend does not know is left out, not an error).
class CapabilityProbe : public QObject {
public:
    using Done = std::function<void(const BackendCapabilities&, const std::string& error)>;  // error empty: ok
    CapabilityProbe(QNetworkAccessManager& net, BackendAddress backend, QObject* parent = nullptr);
    void start(std::vector<std::string> modelFolders, Done done);

private:
    void nextFolder();
    void fail(const std::string& error);

    QNetworkAccessManager& net_;
    BackendAddress backend_;
    std::vector<std::string> folders_;
    BackendCapabilities caps_;
    Json systemStats_;
    Done done_;
};

// The same, waiting in a local event loop (the command line; tests).
BackendCapabilities probeBackend(QNetworkAccessManager& net, const BackendAddress& backend,
                                 const std::vector<std::string>& modelFolders);

}  // namespace tessera::remote
