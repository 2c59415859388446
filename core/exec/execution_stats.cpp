#include "core/exec/execution_stats.h"

namespace tessera {

void ExecutionStats::recordExecution(NodeId node, const std::string& type) {
    std::lock_guard lock(mutex_);
    ++byNode_[node];
    ++byType_[type];
}

void ExecutionStats::recordCacheHit(NodeId node) {
    std::lock_guard lock(mutex_);
    ++hitsByNode_[node];
    ++hits_;
}

void ExecutionStats::recordEvictions(size_t count) {
    std::lock_guard lock(mutex_);
    evictions_ += count;
}

void ExecutionStats::reset() {
    std::lock_guard lock(mutex_);
    byNode_.clear();
    byType_.clear();
    hitsByNode_.clear();
    hits_ = 0;
    evictions_ = 0;
}

int ExecutionStats::executions(NodeId node) const {
    std::lock_guard lock(mutex_);
    auto it = byNode_.find(node);
    return it == byNode_.end() ? 0 : it->second;
}

int ExecutionStats::executionsOfType(const std::string& type) const {
    std::lock_guard lock(mutex_);
    auto it = byType_.find(type);
    return it == byType_.end() ? 0 : it->second;
}

int ExecutionStats::totalExecutions() const {
    std::lock_guard lock(mutex_);
    int total = 0;
    for (const auto& [id, n] : byNode_) total += n;
    return total;
}

int ExecutionStats::cacheHits() const {
    std::lock_guard lock(mutex_);
    return hits_;
}

int ExecutionStats::cacheHits(NodeId node) const {
    std::lock_guard lock(mutex_);
    auto it = hitsByNode_.find(node);
    return it == hitsByNode_.end() ? 0 : it->second;
}

size_t ExecutionStats::evictions() const {
    std::lock_guard lock(mutex_);
    return evictions_;
}

}  // namespace tessera
