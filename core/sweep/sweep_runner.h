#pragma once
// Runs a sweep on an Executor, cell after cell. Every cell is a normal run of the graph with the
// cell's values, so the executor's output cache (keyed by each node's inputs) re-executes only
// the nodes downstream of the swept widgets: model loads, text encodes, VAE encodes and
// preprocessors upstream of them run once for the whole sweep (within the cache's budget).
// Output nodes with a filename_prefix write "<prefix>_<cell tag>_00001_.png"; each image embeds
// the cell's graph. Blocks until the sweep ends; cancel through the token (between cells or
// within a sampler step).
#include "core/common/cancel.h"
#include "core/exec/executor.h"
#include "core/sweep/sweep.h"

#include <functional>
#include <string>
#include <vector>

namespace tessera {

// Progress over the whole sweep: cells done, plus the running node's step within its cell.
struct SweepProgress {
    size_t cellsDone = 0, cellCount = 0;
    int step = 0, total = 0;
    double fraction() const;  // 0..1
};

struct SweepCellResult {
    SweepCell cell;
    RunResult run;                   // the cell's run (outputs of every node it needed)
    std::vector<std::string> files;  // files its output nodes wrote, in order
};

struct SweepResult {
    RunResult::Status status = RunResult::Status::Failed;
    std::string message;                // why it failed or "cancelled"; names the cell
    std::vector<ValidationIssue> issues;  // bad axis values, or the failing cell's validation
    std::vector<SweepCellResult> cells;   // the cells that succeeded, in order
    double seconds = 0;
    bool succeeded() const { return status == RunResult::Status::Succeeded; }
    bool cancelled() const { return status == RunResult::Status::Cancelled; }
};

struct SweepObserver {
    std::function<void(const SweepCell&, const SweepProgress&)> cellStarted;
    // Every executor event of the running cell, on the executor's worker thread.
    std::function<void(const SweepCell&, const ExecEvent&, const SweepProgress&)> event;
    std::function<void(const SweepCellResult&, const SweepProgress&)> cellFinished;
};

struct SweepControl {
    SweepObserver observer;
    CancelToken cancel;
    std::vector<NodeId> targets;  // the output nodes each cell runs; empty: all of them
};

SweepResult runSweep(Executor& executor, const Registry& registry, const Graph& base, const Environment& env,
                     const Sweep& sweep, const SweepControl& control = {});

}  // namespace tessera
