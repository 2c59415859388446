#pragma once
// Graphs queued over several backends (this machine, ComfyUI and Tessera servers), the way
// SwarmUI fans out to ComfyUI backends: each job goes to the least busy backend that has its
// node types and model files (backends lacking them are skipped with a note naming what is
// missing); a backend lost mid-run is set aside and the job runs again on another one, its
// outputs recorded once (only the run that succeeds reports OutputFile events). Runs on the
// owner's thread (a Qt event loop must run); no UI.
#include "app/remote/backend.h"
#include "app/remote/graph_requirements.h"
#include "core/graph/registry.h"

#include <QObject>
#include <QTimer>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tessera::remote {

struct JobReport {
    int job = 0;
    RemoteRunResult result;
    std::string backend;  // where it last ran; empty when it never started
    int attempts = 0;
    std::vector<std::string> notes;  // skipped backends, failovers
};

class RunQueue : public QObject {
public:
    struct Callbacks {
        std::function<void(int job, const std::string& backend, const ExecEvent&)> onEvent;
        std::function<void(int job, const std::string& note)> onNote;
        std::function<void(const JobReport&)> onFinished;
    };

    RunQueue(const Registry& registry, std::vector<std::unique_ptr<Backend>> backends, Callbacks callbacks,
             QObject* parent = nullptr);
    // Reads every backend's node types and model folders; jobs wait for all the answers, a
    // backend silent for probeTimeoutMs is left out (until it answers).
    void start();
    // `env`: the job's input, output and temp folders. Returns the job id.
    int submit(Graph graph, Environment env);
    void cancel(int job);

    int maxRunsPerBackend = 1;
    int probeTimeoutMs = 10000;
    int reprobeMs = 30000;  // how often a backend out of use is asked again (it may be back)  // more jobs wait here, for whichever backend frees first
    size_t backendCount() const { return backends_.size(); }
    const Backend& backend(size_t i) const { return *backends_[i].backend; }
    int activeRuns(size_t i) const { return backends_[i].active; }
    // Why a backend is out of use ("" while usable): its probe failed or it was lost mid-run.
    const std::string& downReason(size_t i) const { return backends_[i].down; }
    size_t pendingJobs() const { return pending_.size(); }

private:
    struct Slot {
        std::unique_ptr<Backend> backend;
        bool answered = false;  // probe answered (then usable unless `down`)
        bool probing = false;
        std::string down;
        int active = 0;
    };
    struct Job {
        int id = 0;
        Graph graph;
        Environment env;
        GraphRequirements needs;
        JobReport report;
        std::map<size_t, bool> noted;  // backends already noted as skipped
        std::vector<ExecEvent> heldOutputs;
        BackendRun* run = nullptr;
        size_t slot = 0;
        bool cancelled = false;
    };

    void probe(size_t i);
    void reprobeDown();
    void dispatch();
    bool tryStart(std::unique_ptr<Job>& job);  // false: it waits; true: started or finished (taken)
    void onRunFinished(int jobId, const RemoteRunResult& result);
    void note(Job& job, const std::string& text);
    void report(Job& job, RemoteRunResult result);

    const Registry& registry_;
    std::vector<Slot> backends_;
    Callbacks callbacks_;
    std::deque<std::unique_ptr<Job>> pending_;
    std::map<int, std::unique_ptr<Job>> running_;
    int nextJob_ = 1;
    bool dispatching_ = false;
    QTimer* reprobe_ = nullptr;
};

}  // namespace tessera::remote
