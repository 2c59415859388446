#pragma once
// A place a graph can run: this process (LocalBackend) or a ComfyUI / Tessera server
// (RemoteBackend). The run queue only sees this interface. Everything is called, and calls
// back, on the thread that owns the backend (a Qt event loop must run).
#include "app/remote/backend_capabilities.h"
#include "app/remote/remote_run.h"
#include "core/exec/environment.h"
#include "core/exec/exec_event.h"
#include "core/graph/graph.h"

#include <functional>
#include <string>
#include <vector>

namespace tessera::remote {

class Backend {
public:
    using Observer = std::function<void(const ExecEvent&)>;
    using Finished = std::function<void(const RemoteRunResult&)>;
    using Probed = std::function<void(const std::string& error)>;  // empty: capabilities() is current

    virtual ~Backend() = default;
    virtual std::string name() const = 0;  // "this machine" or the URL
    // Reads what the backend offers (node types; the files of these model folders).
    virtual void probe(const std::vector<std::string>& modelFolders, Probed done) = 0;
    virtual const BackendCapabilities& capabilities() const = 0;
    // Starts a run; `finished` is called once, never from inside start(). The BackendRun stays
    // valid until then (the backend owns it).
    virtual BackendRun* start(const Graph& graph, const Environment& env, Observer observer, Finished finished) = 0;
};

}  // namespace tessera::remote
