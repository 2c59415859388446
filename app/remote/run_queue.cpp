#include "app/remote/run_queue.h"

#include "core/exec/models_folder.h"

#include <QTimer>

#include <filesystem>

namespace tessera::remote {

RunQueue::RunQueue(const Registry& registry, std::vector<std::unique_ptr<Backend>> backends, Callbacks callbacks,
                   QObject* parent)
    : QObject(parent), registry_(registry), callbacks_(std::move(callbacks)) {
    for (auto& b : backends) {
        Slot slot;
        slot.backend = std::move(b);
        backends_.push_back(std::move(slot));
    }
}

void RunQueue::start() {
    for (size_t i = 0; i < backends_.size(); ++i) probe(i);
    QTimer::singleShot(probeTimeoutMs, this, [this] {
        for (Slot& s : backends_)
            if (!s.answered) {
                s.answered = true;
                s.down = "did not answer within " + std::to_string(probeTimeoutMs / 1000) + " s";
            }
        dispatch();
    });
    reprobe_ = new QTimer(this);
    connect(reprobe_, &QTimer::timeout, this, [this] { reprobeDown(); });
    reprobe_->start(reprobeMs);
}

void RunQueue::probe(size_t i) {
    std::vector<std::string> folders;
    for (const auto& kind : modelFolderKinds()) folders.push_back(kind.folder);
    backends_[i].probing = true;
    backends_[i].backend->probe(folders, [this, i](const std::string& error) {
        Slot& s = backends_[i];
        s.probing = false;
        s.answered = true;
        s.down = error;  // a later answer brings a backend back
        dispatch();
    });
}

void RunQueue::reprobeDown() {
    if (reprobe_->interval() != reprobeMs) reprobe_->setInterval(reprobeMs);
    for (size_t i = 0; i < backends_.size(); ++i)
        if (backends_[i].answered && !backends_[i].down.empty() && !backends_[i].probing && backends_[i].active == 0) probe(i);
}

int RunQueue::submit(Graph graph, Environment env) {
    auto job = std::make_unique<Job>();
    job->id = nextJob_++;
    job->needs = requirementsOf(graph, registry_);
    job->graph = std::move(graph);
    job->env = std::move(env);
    job->report.job = job->id;
    const int id = job->id;
    pending_.push_back(std::move(job));
    QTimer::singleShot(0, this, [this] { dispatch(); });
    return id;
}

void RunQueue::cancel(int jobId) {
    for (auto it = pending_.begin(); it != pending_.end(); ++it)
        if ((*it)->id == jobId) {
            std::unique_ptr<Job> job = std::move(*it);
            pending_.erase(it);
            RemoteRunResult r;
            r.outcome = RemoteRunResult::Outcome::Cancelled;
            report(*job, std::move(r));
            return;
        }
    if (auto it = running_.find(jobId); it != running_.end() && it->second->run) {
        it->second->cancelled = true;
        it->second->run->cancel();
    }
}

void RunQueue::note(Job& job, const std::string& text) {
    job.report.notes.push_back(text);
    if (callbacks_.onNote) callbacks_.onNote(job.id, text);
}

void RunQueue::report(Job& job, RemoteRunResult result) {
    job.report.result = std::move(result);
    if (callbacks_.onFinished) callbacks_.onFinished(job.report);
}

void RunQueue::dispatch() {
    if (dispatching_) return;
    dispatching_ = true;
    for (size_t i = 0; i < pending_.size();) {
        std::unique_ptr<Job> job = std::move(pending_[i]);
        pending_.erase(pending_.begin() + std::ptrdiff_t(i));
        if (tryStart(job)) continue;  // started or finished: out of the queue
        pending_.insert(pending_.begin() + std::ptrdiff_t(i), std::move(job));
        ++i;
    }
    dispatching_ = false;
}

bool RunQueue::tryStart(std::unique_ptr<Job>& job) {
    // Every backend's answer first, so that the least busy is chosen among all and the ones
    // skipped are named (the probe time limit bounds the wait).
    for (const Slot& s : backends_)
        if (!s.answered) return false;
    int best = -1;
    std::string reasons;
    for (size_t i = 0; i < backends_.size(); ++i) {
        Slot& s = backends_[i];
        const std::string name = s.backend->name();
        if (!s.down.empty()) {
            reasons += "\n  " + name + ": " + s.down;
            continue;
        }
        const auto missing = missingOn(job->needs, s.backend->capabilities(), job->graph, name);
        if (!missing.empty()) {
            std::string why;
            for (const auto& m : missing) why += (why.empty() ? "" : "; ") + m;
            reasons += "\n  " + name + ": " + why;
            if (!job->noted[i]) {
                job->noted[i] = true;
                note(*job, "skipped " + name + ": " + why);
            }
            continue;
        }
        if (best < 0 || s.active < backends_[size_t(best)].active) best = int(i);
    }
    if (best < 0) {
        RemoteRunResult r;
        r.message = "no backend can run this graph:" + reasons;
        report(*job, std::move(r));
        return true;
    }
    Slot& slot = backends_[size_t(best)];
    if (slot.active >= maxRunsPerBackend) return false;

    Job* j = job.get();
    running_[j->id] = std::move(job);
    ++slot.active;
    j->slot = size_t(best);
    j->report.backend = slot.backend->name();
    ++j->report.attempts;
    j->heldOutputs.clear();
    const int id = j->id;
    const std::string backendName = slot.backend->name();
    j->run = slot.backend->start(
        j->graph, j->env,
        [this, id, backendName](const ExecEvent& e) {
            auto it = running_.find(id);
            if (it == running_.end()) return;
            if (e.kind == ExecEvent::Kind::OutputFile) it->second->heldOutputs.push_back(e);
            else if (callbacks_.onEvent) callbacks_.onEvent(id, backendName, e);
        },
        [this, id](const RemoteRunResult& r) { onRunFinished(id, r); });
    return true;
}

void RunQueue::onRunFinished(int jobId, const RemoteRunResult& result) {
    auto it = running_.find(jobId);
    if (it == running_.end()) return;
    std::unique_ptr<Job> job = std::move(it->second);
    running_.erase(it);
    Slot& slot = backends_[job->slot];
    --slot.active;
    job->run = nullptr;
    if (result.outcome == RemoteRunResult::Outcome::BackendLost && !job->cancelled) {
        slot.down = result.message;
        // What a lost run had already downloaded is dropped: the next run writes it again.
        for (const auto& path : result.outputs) std::filesystem::remove(path);
        note(*job, result.message + "; running it again on another backend");
        pending_.push_front(std::move(job));
    } else {
        if (callbacks_.onEvent && result.outcome == RemoteRunResult::Outcome::Succeeded)
            for (const ExecEvent& e : job->heldOutputs) callbacks_.onEvent(job->id, job->report.backend, e);
        report(*job, result);
    }
    dispatch();
}

}  // namespace tessera::remote
