#include "core/exec/run_execution.h"

#include "core/common/error.h"
#include "core/exec/memory_budget.h"
#include "core/exec/node_signature.h"
#include "core/exec/run_plan.h"

#include <chrono>
#include <new>

namespace tessera {
namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

ExecEvent event(ExecEvent::Kind kind, NodeId node = 0, std::string message = {}, double seconds = 0) {
    ExecEvent e;
    e.kind = kind;
    e.node = node;
    e.message = std::move(message);
    e.seconds = seconds;
    return e;
}

// Thrown inside a run once a node's failure has been reported; ends the run.
struct NodeFailure {
    NodeId node;
    std::string message;
};

class RunExecution {
public:
    RunExecution(const RunJob& job, const ExecutorServices& services) : job_(job), s_(services) {}

    RunResult run() {
        const auto t0 = Clock::now();
        emit(event(ExecEvent::Kind::RunStarted));
        try {
            job_.state->cancel.throwIfCancelled();
            const RunPlan plan = planRun(job_.graph, s_.registry, &job_.env, job_.targets);
            if (!plan.issues.empty()) {
                result_.issues = plan.issues;
                throw NodeFailure{plan.issues.front().node, formatIssues(job_.graph, plan.issues)};
            }
            for (const auto& p : plan.order) emit(event(ExecEvent::Kind::NodeQueued, p.node->id));
            for (const auto& p : plan.order) {
                job_.state->cancel.throwIfCancelled();
                runNode(p);
            }
            result_.status = RunResult::Status::Succeeded;
            result_.seconds = secondsSince(t0);
            emit(event(ExecEvent::Kind::RunFinished, 0, {}, result_.seconds));
        } catch (const Cancelled&) {
            result_.status = RunResult::Status::Cancelled;
            result_.message = "cancelled";
            result_.seconds = secondsSince(t0);
            emit(event(ExecEvent::Kind::RunCancelled, 0, {}, result_.seconds));
        } catch (const NodeFailure& f) {
            failRun(f.node, f.message, t0);
        } catch (const std::exception& e) {
            failRun(0, std::string("internal error in the executor: ") + e.what(), t0);
        } catch (...) {
            failRun(0, "internal error in the executor", t0);
        }
        return std::move(result_);
    }

private:
    void emit(const ExecEvent& event) {
        if (!job_.onEvent) return;
        try {
            job_.onEvent(event);
        } catch (...) {
            // An observer's failure must not take the run (or the worker thread) down.
        }
    }

    void failRun(NodeId node, const std::string& message, Clock::time_point t0) {
        result_.status = RunResult::Status::Failed;
        result_.failedNode = node;
        result_.message = message;
        result_.seconds = secondsSince(t0);
        emit(event(ExecEvent::Kind::RunFailed, node, message, result_.seconds));
    }

    [[noreturn]] void nodeFailed(NodeId id, const std::string& what) {
        const std::string who = job_.graph.describeNode(id);
        const std::string message = what.rfind(who, 0) == 0 ? what : who + ": " + what;
        emit(event(ExecEvent::Kind::NodeFailed, id, message));
        throw NodeFailure{id, message};
    }

    std::map<std::string, Value> gatherInputs(const PlannedNode& p) {
        std::map<std::string, Value> inputs;
        for (const auto& in : p.decl->inputs) {
            if (auto link = p.links.find(in.name); link != p.links.end()) {
                const auto& upstream = result_.outputs.at(link->second.node);
                inputs[in.name] = upstream.at(size_t(link->second.slot));
                continue;
            }
            // Seed widgets (controlAfterGenerate) are used as they are; the UI changes them after a run.
            auto w = p.node->widgets.find(in.name);
            if (w != p.node->widgets.end() && !w->second.isNull() && in.isWidget())
                inputs[in.name] = w->second;
            else if (!in.defaultValue.isNull())
                inputs[in.name] = in.defaultValue;
        }
        return inputs;
    }

    void runNode(const PlannedNode& p) {
        const NodeId id = p.node->id;
        const auto inputs = gatherInputs(p);
        uint64_t signature = 0;
        try {
            signature = nodeSignature(p, inputs, signatures_, job_.env, s_.fileHashes);
        } catch (const std::exception& e) {
            nodeFailed(id, e.what());
        }
        signatures_[id] = signature;

        if (!p.decl->isOutput) {
            if (auto hit = s_.cache.find(signature)) {
                s_.stats.recordCacheHit(id);
                result_.outputs[id] = std::move(*hit);
                emit(event(ExecEvent::Kind::NodeCached, id));
                return;
            }
        }
        emit(event(ExecEvent::Kind::NodeStarted, id));
        const auto t0 = Clock::now();
        s_.stats.recordExecution(id, p.node->type);
        std::vector<Value> outputs = execute(p, inputs);
        checkOutputs(p, outputs);
        if (!p.decl->isOutput) s_.stats.recordEvictions(s_.cache.put(signature, outputs));
        result_.outputs[id] = std::move(outputs);
        emit(event(ExecEvent::Kind::NodeDone, id, {}, secondsSince(t0)));
    }

    std::vector<Value> execute(const PlannedNode& p, std::map<std::string, Value> inputs) {
        const NodeId id = p.node->id;
        NodeContext::Hooks hooks;
        hooks.progress = [this, id](int step, int total) {
            ExecEvent e = event(ExecEvent::Kind::Progress, id);
            e.step = step;
            e.total = total;
            emit(e);
        };
        hooks.preview = [this, id](std::shared_ptr<const PreviewImage> image) {
            ExecEvent e = event(ExecEvent::Kind::Preview, id);
            e.preview = std::move(image);
            emit(e);
        };
        hooks.outputFile = [this, id](const std::string& path) {
            emit(event(ExecEvent::Kind::OutputFile, id, path));
        };
        hooks.note = [this, id](const std::string& text) {
            result_.notes.emplace_back(id, text);
            emit(event(ExecEvent::Kind::NodeNote, id, text));
        };
        NodeContext ctx(*p.node, *p.decl, std::move(inputs), job_.env, job_.state->cancel, std::move(hooks));
        try {
            return p.decl->run(ctx);
        } catch (const Cancelled&) {
            throw;
        } catch (const Error& e) {
            nodeFailed(id, e.what());
        } catch (const std::bad_alloc& e) {
            nodeFailed(id, outOfMemoryMessage(e.what()));
        } catch (const std::exception& e) {
            // libtorch's allocators throw c10::Error ("DefaultCPUAllocator: can't allocate memory", "CUDA out of memory").
            nodeFailed(id, isOutOfMemoryMessage(e.what()) ? outOfMemoryMessage(e.what()) : e.what());
        } catch (...) {
            nodeFailed(id, "failed with an unknown error");
        }
    }

    void checkOutputs(const PlannedNode& p, const std::vector<Value>& outputs) {
        const auto& decl = *p.decl;
        if (outputs.size() != decl.outputs.size())
            nodeFailed(p.node->id, "produced " + std::to_string(outputs.size()) + " value(s) but declares " +
                                       std::to_string(decl.outputs.size()) + " output(s) (a bug in the node type '" +
                                       decl.type + "' from " + decl.origin + ")");
        for (size_t i = 0; i < outputs.size(); ++i) {
            const auto& o = outputs[i].toObject();
            if (o && decl.outputs[i].type != "*" && o->typeName() != decl.outputs[i].type)
                nodeFailed(p.node->id, "output '" + decl.outputs[i].name + "' should be " + decl.outputs[i].type +
                                           " but the node produced " + o->typeName() + " (a bug in the node type '" +
                                           decl.type + "')");
        }
    }

    const RunJob& job_;
    const ExecutorServices& s_;
    RunResult result_;
    std::map<NodeId, uint64_t> signatures_;
};

}  // namespace

RunResult executeRun(const RunJob& job, const ExecutorServices& services) {
    return RunExecution(job, services).run();
}

}  // namespace tessera
