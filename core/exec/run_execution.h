#pragma once
// One run, start to end, on the executor's worker thread: plan and validate, then execute
// or take from the cache each node in order, reporting events. Never throws.
#include "core/exec/environment.h"
#include "core/exec/exec_event.h"
#include "core/exec/execution_stats.h"
#include "core/exec/file_hash_cache.h"
#include "core/exec/output_cache.h"
#include "core/exec/run_handle.h"
#include "core/graph/graph.h"
#include "core/graph/registry.h"

#include <functional>
#include <memory>
#include <vector>

namespace tessera {

struct RunJob {
    Graph graph;
    Environment env;
    std::function<void(const ExecEvent&)> onEvent;
    std::vector<NodeId> targets;
    std::shared_ptr<RunState> state;
};

struct ExecutorServices {
    const Registry& registry;
    OutputCache& cache;
    FileHashCache& fileHashes;
    ExecutionStats& stats;
};

RunResult executeRun(const RunJob& job, const ExecutorServices& services);

}  // namespace tessera
