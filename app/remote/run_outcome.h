#pragma once
// How a run on a backend ended, and the handle to cancel one in progress.
#include "core/graph/graph.h"

#include <string>
#include <vector>

namespace tessera::remote {

struct RemoteRunResult {
    enum class Outcome { Succeeded, Failed, Rejected, Cancelled, BackendLost };  // Rejected: POST /prompt said 400
    Outcome outcome = Outcome::Failed;
    std::string message;   // for Failed / Rejected / BackendLost: names the backend and the node
    NodeId failedNode = 0;
    std::vector<std::string> outputs;  // local paths, in the order the backend listed them
    double seconds = 0;
};

class BackendRun {
public:
    virtual ~BackendRun() = default;
    virtual void cancel() = 0;
};

}  // namespace tessera::remote
