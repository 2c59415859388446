#pragma once
// ComfyUI's queue: pending prompts ordered by number (front = negative, so they run first),
// the one running, and the history of finished ones (oldest dropped beyond a limit).
#include "app/server/prompt_check.h"
#include "core/io/json.h"

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tessera::server {

struct QueuedPrompt {
    double number = 0;
    uint64_t sequence = 0;  // ties in number run in arrival order
    std::string id;
    std::string clientId;
    Json prompt;       // as the client sent it
    Json extraData;
    CheckedPrompt checked;
};

struct HistoryEntry {
    Json item;     // [number, prompt_id, prompt, extra_data, outputs_to_execute]
    Json outputs{Json::Object{}};
    Json status;   // {status_str, completed, messages}
    Json meta{Json::Object{}};
};

class PromptQueue {
public:
    explicit PromptQueue(size_t historyLimit = 10000) : historyLimit_(historyLimit) {}

    // The next number for a prompt ("front": negative, ahead of the others).
    double nextNumber(bool front);
    void push(std::shared_ptr<QueuedPrompt> prompt);
    // Takes the lowest-numbered pending prompt as the running one; null when none or one runs.
    std::shared_ptr<QueuedPrompt> startNext();
    const std::shared_ptr<QueuedPrompt>& running() const { return running_; }
    void finishRunning(HistoryEntry entry);

    size_t pendingCount() const { return pending_.size(); }
    size_t remaining() const { return pending_.size() + (running_ ? 1 : 0); }
    void clearPending();
    bool removePending(const std::string& id);
    bool knows(const std::string& id) const;

    // {queue_running: [item], queue_pending: [item...]}
    Json queueJson() const;
    // {prompt_id: entry} for the newest `maxItems` (all when <= 0), skipping `offset`.
    Json historyJson(int maxItems = 0, int offset = 0) const;
    Json historyJson(const std::string& id) const;
    void clearHistory();
    void deleteHistory(const std::string& id);
    size_t historySize() const { return historyOrder_.size(); }

    static Json itemJson(const QueuedPrompt& p);

private:
    std::vector<std::shared_ptr<QueuedPrompt>> pending_;  // kept sorted by (number, sequence)
    std::shared_ptr<QueuedPrompt> running_;
    std::map<std::string, HistoryEntry> history_;
    std::deque<std::string> historyOrder_;  // oldest first
    size_t historyLimit_;
    double counter_ = 0;
    uint64_t sequence_ = 0;
};

}  // namespace tessera::server
