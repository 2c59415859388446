#pragma once
// Which nodes a run executes, in what order, and where each linked input really comes from
// (links out of bypassed nodes are followed to the input they pass through).
#include "core/exec/environment.h"
#include "core/graph/graph.h"
#include "core/graph/registry.h"
#include "core/graph/validation.h"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace tessera {

struct OutputRef {
    NodeId node = 0;
    int slot = 0;
};

struct PlannedNode {
    const Node* node = nullptr;
    const NodeDecl* decl = nullptr;
    std::map<std::string, OutputRef> links;  // input name -> the output that feeds it
};

struct RunPlan {
    std::vector<PlannedNode> order;        // dependencies first; empty when issues is not
    std::vector<ValidationIssue> issues;  // why the graph cannot run
    std::set<NodeId> needed;               // the nodes the targets depend on (validated), themselves included
};

// Plans what `targets` need (all output nodes that are neither muted nor bypassed when empty)
// and validates those nodes. The plan points into `graph`, which must outlive it.
RunPlan planRun(const Graph& graph, const Registry& registry, const Environment* env,
                const std::vector<NodeId>& targets);

}  // namespace tessera
