#pragma once
// Collects a run's events (delivered on the executor's worker thread) for the tests to read.
#include "core/exec/exec_event.h"

#include <mutex>
#include <string>
#include <vector>

namespace tessera::test {

class EventLog {
public:
    std::function<void(const ExecEvent&)> observer() {
        return [this](const ExecEvent& e) {
            std::lock_guard lock(mutex_);
            events_.push_back(e);
        };
    }
    std::vector<ExecEvent> events() const {
        std::lock_guard lock(mutex_);
        return events_;
    }
    std::vector<ExecEvent> of(ExecEvent::Kind kind) const {
        std::vector<ExecEvent> out;
        for (const auto& e : events())
            if (e.kind == kind) out.push_back(e);
        return out;
    }
    // "NodeStarted 2" for node events, "RunFinished" for run events; progress and the like left out.
    std::vector<std::string> trace() const {
        std::vector<std::string> out;
        for (const auto& e : events()) {
            using K = ExecEvent::Kind;
            if (e.kind == K::Progress || e.kind == K::Preview || e.kind == K::OutputFile) continue;
            const bool runEvent = e.kind == K::RunStarted || e.kind == K::RunFinished || e.kind == K::RunFailed ||
                                  e.kind == K::RunCancelled;
            out.push_back(std::string(toString(e.kind)) + (runEvent ? "" : " " + std::to_string(e.node)));
        }
        return out;
    }
    void clear() {
        std::lock_guard lock(mutex_);
        events_.clear();
    }

private:
    mutable std::mutex mutex_;
    std::vector<ExecEvent> events_;
};

}  // namespace tessera::test
