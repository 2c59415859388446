#include "core/sweep/sweep_runner.h"

#include "core/common/error.h"
#include "core/io/comfyui_import.h"
#include "core/io/graph_json.h"

#include <chrono>
#include <mutex>

namespace tessera {
namespace {

constexpr auto kCancelPoll = std::chrono::milliseconds(20);

// The graph a cell executes: its output files named after the cell's values.
Graph withCellFileNames(Graph g, const Registry& registry, const std::string& tag) {
    for (auto& [id, node] : g.nodes()) {
        const NodeDecl* decl = registry.find(node.type);
        if (!decl || !decl->isOutput || g.linkInto(id, "filename_prefix")) continue;
        const InputDecl* prefix = decl->findInput("filename_prefix");
        if (!prefix) continue;
        const auto w = node.widgets.find("filename_prefix");
        const Value& current = w != node.widgets.end() && w->second.isString() ? w->second : prefix->defaultValue;
        node.widgets["filename_prefix"] = Value(current.toString() + "_" + tag);
    }
    return g;
}

Environment cellEnvironment(Environment env, const Graph& cell, const Registry& registry) {
    env.workflowJson = graphToJson(cell).toStdString();
    try {
        env.promptJson = graphToComfyPrompt(cell, registry).toStdString();
    } catch (const Error&) {
        env.promptJson.clear();  // a graph ComfyUI can't express still embeds its Tessera form
    }
    return env;
}

}  // namespace

double SweepProgress::fraction() const {
    if (cellCount == 0) return 0;
    const double within = total > 0 ? double(step) / double(total) : 0.0;
    return (double(cellsDone) + within) / double(cellCount);
}

SweepResult runSweep(Executor& executor, const Registry& registry, const Graph& base, const Environment& env,
                     const Sweep& sweep, const SweepControl& control) {
    const SweepObserver& observer = control.observer;
    const CancelToken& cancel = control.cancel;
    const auto t0 = std::chrono::steady_clock::now();
    SweepResult result;
    auto finish = [&](RunResult::Status status, std::string message) {
        result.status = status;
        result.message = std::move(message);
        result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        return std::move(result);
    };
    result.issues = checkSweepValues(base, registry, &env, sweep);
    if (!result.issues.empty()) return finish(RunResult::Status::Failed, formatIssues(base, result.issues));

    SweepProgress progress;
    progress.cellCount = sweep.cellCount();
    for (const SweepCell& cell : sweep.cells()) {
        if (cancel.cancelled()) return finish(RunResult::Status::Cancelled, "cancelled");
        progress.step = progress.total = 0;
        if (observer.cellStarted) observer.cellStarted(cell, progress);

        const Graph embedded = cellGraph(base, sweep, cell);
        SweepCellResult done;
        done.cell = cell;
        // The run's handle, for the worker thread too: a cancel seen between events (an observer may cancel
        // from one) stops the run at its next safe point, not after the next poll, by when a tiny model's
        // sampler and decoder have finished.
        std::mutex handleMutex;
        RunHandle handle;
        auto onEvent = [&](const ExecEvent& e) {
            if (e.kind == ExecEvent::Kind::OutputFile) done.files.push_back(e.message);
            if (e.kind == ExecEvent::Kind::Progress) {
                progress.step = e.step;
                progress.total = e.total;
            }
            if (observer.event) observer.event(cell, e, progress);
            if (cancel.cancelled()) {
                std::lock_guard lock(handleMutex);
                if (handle.valid()) handle.cancel();
            }
        };
        {
            RunHandle started = executor.start(withCellFileNames(embedded, registry, cellFileTag(sweep, cell)),
                                               cellEnvironment(env, embedded, registry), onEvent, control.targets);
            std::lock_guard lock(handleMutex);
            handle = std::move(started);
        }
        while (!handle.waitFor(kCancelPoll))
            if (cancel.cancelled()) handle.cancel();
        done.run = handle.wait();

        if (done.run.cancelled()) return finish(RunResult::Status::Cancelled, "cancelled");
        if (!done.run.succeeded()) {
            result.issues = done.run.issues;
            return finish(RunResult::Status::Failed, "sweep cell " + std::to_string(cell.index + 1) + " of " +
                                                         std::to_string(progress.cellCount) + " (" +
                                                         sweep.describeCell(cell) + "): " + done.run.message);
        }
        progress.cellsDone = cell.index + 1;
        progress.step = progress.total = 0;
        result.cells.push_back(std::move(done));
        if (observer.cellFinished) observer.cellFinished(result.cells.back(), progress);
    }
    return finish(RunResult::Status::Succeeded, {});
}

}  // namespace tessera
