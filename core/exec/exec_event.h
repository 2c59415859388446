#pragma once
// What a run reports to its observer (the UI, the CLI, tests), in order, on the worker thread.
#include "core/exec/node_context.h"
#include "core/graph/graph.h"

#include <memory>
#include <string>

namespace tessera {

struct ExecEvent {
    enum class Kind {
        RunStarted,
        NodeQueued,    // once per node the run needs, in execution order
        NodeStarted,
        NodeCached,    // outputs came from the cache; the node did not run
        NodeDone,      // seconds: time the node took
        NodeFailed,    // message: "<node>: what went wrong"
        Progress,      // step of total
        Preview,       // preview: a picture of work in progress
        OutputFile,    // message: path of a file the node wrote
        NodeNote,      // message: what the node tells the user (NodeContext::note), not an error
        RunFinished,   // seconds: time the run took
        RunFailed,     // node (0 when no single node is to blame), message
        RunCancelled,
    } kind = Kind::RunStarted;
    NodeId node = 0;
    int step = 0, total = 0;
    std::string message;
    std::shared_ptr<const PreviewImage> preview;
    double seconds = 0;
};

const char* toString(ExecEvent::Kind kind);

}  // namespace tessera
