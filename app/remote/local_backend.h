#pragma once
// This machine as a Backend: the graph runs on an Executor in this process (the editor's and
// `tessera run`'s default), events brought to the owner's thread.
#include "app/remote/backend.h"
#include "core/exec/executor.h"
#include "core/graph/registry.h"

#include <QObject>

#include <map>
#include <memory>

namespace tessera::remote {

class LocalBackend : public QObject, public Backend {
public:
    // `machine`: models folders, device, precision and preview method of this machine; a run's
    // own Environment gives its input, output and temp folders.
    LocalBackend(const Registry& registry, Environment machine, QObject* parent = nullptr);
    ~LocalBackend() override;
    std::string name() const override { return "this machine"; }
    void probe(const std::vector<std::string>& modelFolders, Probed done) override;
    const BackendCapabilities& capabilities() const override { return caps_; }
    BackendRun* start(const Graph& graph, const Environment& env, Observer observer, Finished finished) override;

private:
    struct Run;
    void onEvent(int id, const ExecEvent& e);

    const Registry& registry_;
    Environment machine_;
    BackendCapabilities caps_;
    std::map<int, std::unique_ptr<Run>> runs_;
    int nextId_ = 1;
    Executor executor_;  // last: its worker stops before the runs it reports to go
};

}  // namespace tessera::remote
