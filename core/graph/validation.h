#pragma once
// Checks a graph against the node declarations before it runs (and for the editor's warnings).
// Every issue names the node and, where there is one, the input, and says how to fix it.
// Validation never modifies the graph.
#include "core/graph/graph.h"
#include "core/graph/registry.h"

#include <set>
#include <string>
#include <vector>

namespace tessera {

struct Environment;

struct ValidationIssue {
    NodeId node = 0;
    std::string input;  // empty when the issue is about the node as a whole
    std::string message;
};

// Validates every node that is not muted. With `env`, COMBO inputs filled from a models
// folder (choicesFrom) must name a file that exists.
std::vector<ValidationIssue> validateGraph(const Graph& graph, const Registry& registry,
                                           const Environment* env = nullptr);
// The same checks for the given nodes only (the executor validates what a run needs);
// cycles are looked for among these nodes.
std::vector<ValidationIssue> validateNodes(const Graph& graph, const Registry& registry, const Environment* env,
                                           const std::set<NodeId>& nodes);

// One line per issue, ready to show to the artist.
std::string formatIssues(const Graph& graph, const std::vector<ValidationIssue>& issues);

}  // namespace tessera
