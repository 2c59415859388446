#pragma once
// How a run ended and the values it produced.
#include "core/graph/graph.h"
#include "core/graph/validation.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace tessera {

struct RunResult {
    enum class Status { Succeeded, Failed, Cancelled };
    Status status = Status::Failed;
    NodeId failedNode = 0;  // the node to blame, 0 when none (validation of several nodes, no outputs...)
    std::string message;    // why it failed ("KSampler #3: ..."), empty on success
    std::vector<ValidationIssue> issues;  // when validation stopped the run
    // Outputs of every node the run executed or took from the cache, by node id.
    std::map<NodeId, std::vector<Value>> outputs;
    // What the nodes that ran told the user (NodeContext::note), in order; cached nodes say nothing.
    std::vector<std::pair<NodeId, std::string>> notes;
    double seconds = 0;

    bool succeeded() const { return status == Status::Succeeded; }
    bool failed() const { return status == Status::Failed; }
    bool cancelled() const { return status == Status::Cancelled; }
};

}  // namespace tessera
