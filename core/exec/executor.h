#pragma once
// Runs graphs on a worker thread: what the output nodes need, in dependency order, with
// validation first, cached outputs reused, and events reported as it goes.
//
// Runs are queued: start() never blocks, and a run started while another is in progress
// begins when that one ends (first in, first out). The observer is called on the worker thread;
// it may call start(), cancel() and freeAll(), but must not wait() for a run or destroy the executor.
#include "core/exec/environment.h"
#include "core/exec/exec_event.h"
#include "core/exec/execution_stats.h"
#include "core/exec/file_hash_cache.h"
#include "core/exec/output_cache.h"
#include "core/exec/run_handle.h"
#include "core/exec/run_result.h"
#include "core/graph/graph.h"
#include "core/graph/registry.h"

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace tessera {

struct RunJob;

class Executor {
public:
    using Observer = std::function<void(const ExecEvent&)>;

    explicit Executor(const Registry& registry, size_t cacheBudgetBytes = 8ull << 30);
    // Cancels the running and queued runs and waits for the worker to stop.
    ~Executor();
    Executor(const Executor&) = delete;
    Executor& operator=(const Executor&) = delete;

    // Queues a run of `graph` (a copy the run owns; the caller's graph is never touched) and
    // returns at once. With no targets, every enabled output node is run.
    RunHandle start(Graph graph, Environment env, Observer onEvent = {}, std::vector<NodeId> targets = {});
    // start() and wait().
    RunResult run(Graph graph, Environment env, Observer onEvent = {}, std::vector<NodeId> targets = {});

    // Empties the output cache (a run in progress keeps what it already holds).
    void freeAll();
    void setCacheBudget(size_t bytes);
    size_t cacheBytes() const { return cache_.bytes(); }
    size_t cacheEntries() const { return cache_.entries(); }
    // Whether a run is queued or in progress.
    bool busy() const;

    // Counters across runs; safe to read while a run is in progress.
    ExecutionStats& stats() { return stats_; }

private:
    void workerLoop();

    const Registry& registry_;
    OutputCache cache_;
    FileHashCache fileHashes_;
    ExecutionStats stats_;

    mutable std::mutex mutex_;
    std::condition_variable queueChanged_;
    std::deque<std::shared_ptr<RunJob>> queue_;
    std::shared_ptr<RunJob> current_;
    bool stopping_ = false;
    std::thread worker_;  // last: starts after everything it uses
};

}  // namespace tessera
