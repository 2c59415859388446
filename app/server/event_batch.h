#pragma once
// Executor events on their way from the worker thread to the server's thread, in batches: the
// worker appends under a lock and asks for one wake-up only when the batch was empty, so the dozen
// events of a cached prompt cost one cross-thread wake-up (an eventfd write and a poll round on
// the server's thread) instead of a dozen.
#include "core/exec/exec_event.h"

#include <QByteArray>

#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace tessera::server {

struct RelayedEvent {
    std::string promptId;
    ExecEvent event;   // without its preview image (the frame carries it)
    QByteArray frame;  // a preview frame, ready to send; empty for other events
};

class EventBatch {
public:
    // True when the batch was empty: the caller then asks the server's thread to take it.
    bool add(RelayedEvent event) {
        std::lock_guard lock(mutex_);
        events_.push_back(std::move(event));
        return events_.size() == 1;
    }
    std::vector<RelayedEvent> take() {
        std::lock_guard lock(mutex_);
        return std::exchange(events_, {});
    }

private:
    std::mutex mutex_;
    std::vector<RelayedEvent> events_;
};

}  // namespace tessera::server
