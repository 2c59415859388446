#include "core/exec/executor.h"

#include "core/common/allocator.h"
#include "core/exec/run_execution.h"

namespace tessera {

Executor::Executor(const Registry& registry, size_t cacheBudgetBytes)
    : registry_(registry), cache_(cacheBudgetBytes), worker_([this] { workerLoop(); }) {}

Executor::~Executor() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        for (auto& job : queue_) job->state->cancel.cancel();
        if (current_) current_->state->cancel.cancel();
    }
    queueChanged_.notify_all();
    worker_.join();
}

RunHandle Executor::start(Graph graph, Environment env, Observer onEvent, std::vector<NodeId> targets) {
    auto job = std::make_shared<RunJob>();
    job->graph = std::move(graph);
    job->env = std::move(env);
    job->onEvent = std::move(onEvent);
    job->targets = std::move(targets);
    job->state = std::make_shared<RunState>();
    {
        std::lock_guard lock(mutex_);
        if (stopping_) job->state->cancel.cancel();  // unreachable in practice: start() during destruction
        queue_.push_back(job);
    }
    queueChanged_.notify_all();
    return RunHandle(job->state);
}

RunResult Executor::run(Graph graph, Environment env, Observer onEvent, std::vector<NodeId> targets) {
    return start(std::move(graph), std::move(env), std::move(onEvent), std::move(targets)).wait();
}

void Executor::freeAll() { cache_.clear(); }

void Executor::setCacheBudget(size_t bytes) { cache_.setBudget(bytes); }

bool Executor::busy() const {
    std::lock_guard lock(mutex_);
    return current_ || !queue_.empty();
}

void Executor::workerLoop() {
    const ExecutorServices services{registry_, cache_, fileHashes_, stats_};
    holdFreedMemory();
    for (;;) {
        std::shared_ptr<RunJob> job;
        {
            std::unique_lock lock(mutex_);
            queueChanged_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping, nothing left
            job = queue_.front();
            queue_.pop_front();
            current_ = job;
        }
        // Queued runs left at shutdown were cancelled above: they end at once with RunCancelled.
        RunResult result = executeRun(*job, services);
        bool idle = false;
        {
            std::lock_guard lock(mutex_);
            idle = queue_.empty();
        }
        // Before the run reports its end, so that a caller who waited on it sees an idle process.
        if (idle) releaseFreedMemory();
        {
            std::lock_guard lock(mutex_);
            current_.reset();
        }
        job->state->finish(std::move(result));
    }
}

}  // namespace tessera
