#include "core/exec/run_handle.h"

#include "core/common/error.h"

namespace tessera {

void RunState::finish(RunResult r) {
    {
        std::lock_guard lock(mutex);
        result = std::move(r);
        done = true;
    }
    doneChanged.notify_all();
}

void RunHandle::cancel() const {
    if (state_) state_->cancel.cancel();
}

bool RunHandle::finished() const {
    if (!state_) return true;
    std::lock_guard lock(state_->mutex);
    return state_->done;
}

RunResult RunHandle::wait() const {
    if (!state_) throw Error("waiting on a run that was never started");
    std::unique_lock lock(state_->mutex);
    state_->doneChanged.wait(lock, [&] { return state_->done; });
    return state_->result;
}

bool RunHandle::waitFor(std::chrono::milliseconds timeout) const {
    if (!state_) return true;
    std::unique_lock lock(state_->mutex);
    return state_->doneChanged.wait_for(lock, timeout, [&] { return state_->done; });
}

}  // namespace tessera
