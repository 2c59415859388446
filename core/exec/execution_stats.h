#pragma once
// Counters the executor keeps across runs: how often each node ran and how often the cache served it.
#include "core/graph/graph.h"

#include <map>
#include <mutex>
#include <string>

namespace tessera {

class ExecutionStats {
public:
    void recordExecution(NodeId node, const std::string& type);
    void recordCacheHit(NodeId node);
    void recordEvictions(size_t count);
    void reset();

    int executions(NodeId node) const;
    int executionsOfType(const std::string& type) const;
    int totalExecutions() const;
    int cacheHits() const;
    int cacheHits(NodeId node) const;
    size_t evictions() const;

private:
    mutable std::mutex mutex_;
    std::map<NodeId, int> byNode_;
    std::map<std::string, int> byType_;
    std::map<NodeId, int> hitsByNode_;
    int hits_ = 0;
    size_t evictions_ = 0;
};

}  // namespace tessera
