#pragma once
// A ComfyUI or `tessera serve` server as a Backend: probes with CapabilityProbe, runs with RemoteRun.
#include "app/remote/backend.h"

#include <QNetworkAccessManager>
#include <QObject>

#include <memory>

namespace tessera::remote {

class RemoteBackend : public QObject, public Backend {
public:
    RemoteBackend(BackendAddress address, const Registry& registry, QObject* parent = nullptr);
    std::string name() const override { return address_.name(); }
    void probe(const std::vector<std::string>& modelFolders, Probed done) override;
    const BackendCapabilities& capabilities() const override { return caps_; }
    BackendRun* start(const Graph& graph, const Environment& env, Observer observer, Finished finished) override;

private:
    BackendAddress address_;
    const Registry& registry_;
    QNetworkAccessManager net_;
    BackendCapabilities caps_;
};

}  // namespace tessera::remote
