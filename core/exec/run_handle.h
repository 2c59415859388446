#pragma once
// The caller's side of a queued or running run: cancel it, wait for it, or poll it.
#include "core/common/cancel.h"
#include "core/exec/run_result.h"

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>

namespace tessera {

// Shared between a RunHandle and the executor's worker thread.
struct RunState {
    CancelToken cancel;
    std::mutex mutex;
    std::condition_variable doneChanged;
    bool done = false;
    RunResult result;

    void finish(RunResult r);
};

class RunHandle {
public:
    RunHandle() = default;
    explicit RunHandle(std::shared_ptr<RunState> state) : state_(std::move(state)) {}

    bool valid() const { return state_ != nullptr; }
    // Asks the run to stop at the next safe point; a queued run ends without executing anything.
    void cancel() const;
    bool finished() const;
    // Blocks until the run has ended (its last event has been delivered).
    RunResult wait() const;
    // False if the run is still going after `timeout`.
    bool waitFor(std::chrono::milliseconds timeout) const;

private:
    std::shared_ptr<RunState> state_;
};

}  // namespace tessera
