#include "core/exec/exec_event.h"

namespace tessera {

const char* toString(ExecEvent::Kind kind) {
    switch (kind) {
        case ExecEvent::Kind::RunStarted: return "RunStarted";
        case ExecEvent::Kind::NodeQueued: return "NodeQueued";
        case ExecEvent::Kind::NodeStarted: return "NodeStarted";
        case ExecEvent::Kind::NodeCached: return "NodeCached";
        case ExecEvent::Kind::NodeDone: return "NodeDone";
        case ExecEvent::Kind::NodeFailed: return "NodeFailed";
        case ExecEvent::Kind::Progress: return "Progress";
        case ExecEvent::Kind::Preview: return "Preview";
        case ExecEvent::Kind::OutputFile: return "OutputFile";
        case ExecEvent::Kind::NodeNote: return "NodeNote";
        case ExecEvent::Kind::RunFinished: return "RunFinished";
        case ExecEvent::Kind::RunFailed: return "RunFailed";
        case ExecEvent::Kind::RunCancelled: return "RunCancelled";
    }
    return "?";
}

}  // namespace tessera
