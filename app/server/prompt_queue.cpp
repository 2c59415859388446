#include "app/server/prompt_queue.h"

#include <algorithm>

namespace tessera::server {

double PromptQueue::nextNumber(bool front) {
    const double n = counter_++;
    return front ? -n : n;
}

void PromptQueue::push(std::shared_ptr<QueuedPrompt> p) {
    p->sequence = sequence_++;
    auto before = [](const std::shared_ptr<QueuedPrompt>& a, const std::shared_ptr<QueuedPrompt>& b) {
        return a->number != b->number ? a->number < b->number : a->sequence < b->sequence;
    };
    pending_.insert(std::upper_bound(pending_.begin(), pending_.end(), p, before), std::move(p));
}

std::shared_ptr<QueuedPrompt> PromptQueue::startNext() {
    if (running_ || pending_.empty()) return nullptr;
    running_ = pending_.front();
    pending_.erase(pending_.begin());
    return running_;
}

void PromptQueue::finishRunning(HistoryEntry entry) {
    if (!running_) return;
    const std::string id = running_->id;
    running_.reset();
    if (!history_.count(id)) historyOrder_.push_back(id);
    history_[id] = std::move(entry);
    while (historyOrder_.size() > historyLimit_) {
        history_.erase(historyOrder_.front());
        historyOrder_.pop_front();
    }
}

void PromptQueue::clearPending() { pending_.clear(); }

bool PromptQueue::removePending(const std::string& id) {
    const auto it = std::find_if(pending_.begin(), pending_.end(), [&](const auto& p) { return p->id == id; });
    if (it == pending_.end()) return false;
    pending_.erase(it);
    return true;
}

bool PromptQueue::knows(const std::string& id) const {
    if (history_.count(id) || (running_ && running_->id == id)) return true;
    return std::any_of(pending_.begin(), pending_.end(), [&](const auto& p) { return p->id == id; });
}

Json PromptQueue::itemJson(const QueuedPrompt& p) {
    Json item{Json::Array{}};
    if (p.number == double(int64_t(p.number))) item.push(int64_t(p.number));
    else item.push(p.number);
    item.push(p.id);
    item.push(p.prompt);
    item.push(p.extraData);
    item.push(p.checked.outputKeys);
    return item;
}

Json PromptQueue::queueJson() const {
    Json running{Json::Array{}}, pending{Json::Array{}};
    if (running_) running.push(itemJson(*running_));
    for (const auto& p : pending_) pending.push(itemJson(*p));
    Json q;
    q.set("queue_running", std::move(running));
    q.set("queue_pending", std::move(pending));
    return q;
}

namespace {

Json entryJson(const HistoryEntry& e) {
    Json j;
    j.set("prompt", e.item);
    j.set("outputs", e.outputs);
    j.set("status", e.status);
    j.set("meta", e.meta);
    return j;
}

}  // namespace

Json PromptQueue::historyJson(int maxItems, int offset) const {
    Json all{Json::Object{}};
    // Oldest first, as ComfyUI's dict keeps insertion order; max_items takes the newest.
    const int total = int(historyOrder_.size());
    int end = total - std::max(0, offset);
    int begin = maxItems > 0 ? std::max(0, end - maxItems) : 0;
    for (int i = std::max(0, begin); i < end; ++i) {
        const std::string& id = historyOrder_[size_t(i)];
        all.set(id, entryJson(history_.at(id)));
    }
    return all;
}

Json PromptQueue::historyJson(const std::string& id) const {
    Json one{Json::Object{}};
    if (auto it = history_.find(id); it != history_.end()) one.set(id, entryJson(it->second));
    return one;
}

void PromptQueue::clearHistory() {
    history_.clear();
    historyOrder_.clear();
}

void PromptQueue::deleteHistory(const std::string& id) {
    if (!history_.erase(id)) return;
    historyOrder_.erase(std::find(historyOrder_.begin(), historyOrder_.end(), id));
}

}  // namespace tessera::server
