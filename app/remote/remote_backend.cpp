#include "app/remote/remote_backend.h"

#include "core/common/error.h"

#include <QTimer>

namespace tessera::remote {
RemoteBackend::RemoteBackend(BackendAddress address, const Registry& registry, QObject* parent)
    : QObject(parent), address_(std::move(address)), registry_(registry) {}

void RemoteBackend::probe(const std::vector<std::string>& modelFolders, Probed done) {
    auto* probe = new CapabilityProbe(net_, address_, this);
    probe->start(modelFolders, [this, probe, done = std::move(done)](const BackendCapabilities& caps, const std::string& error) {
        if (error.empty()) caps_ = caps;
        probe->deleteLater();
        done(error);
    });
}

BackendRun* RemoteBackend::start(const Graph& graph, const Environment& env, Observer observer, Finished finished) {
    RemoteRunRequest request;
    try {
        request = remoteRunRequest(address_, graph, registry_, env);
    } catch (const Error& e) {
        RemoteRunResult failed;
        failed.message = e.what();
        QTimer::singleShot(0, this, [finished, failed] { finished(failed); });
        return nullptr;
    }
    auto self = std::make_shared<RemoteRun*>(nullptr);
    auto* run = new RemoteRun(
        net_, std::move(request), std::move(observer),
        [self, finished = std::move(finished)](const RemoteRunResult& r) {
            finished(r);
            (*self)->deleteLater();
        },
        this);
    *self = run;
    QTimer::singleShot(0, run, [run] { run->start(); });
    return run;
}

}  // namespace tessera::remote
