#pragma once
// What a run checks before it starts, as ComfyUI does: an unknown node type anywhere is an error
// (ComfyUI refuses a prompt naming a class it does not have), every other problem only counts in
// the nodes the outputs depend on. A dangling node with an unconnected input does not stop a run.
#include "core/exec/environment.h"
#include "core/graph/graph.h"
#include "core/graph/registry.h"
#include "core/graph/validation.h"

#include <vector>

namespace tessera {

// `targets` as for planRun: every enabled output node when empty.
std::vector<ValidationIssue> validateRun(const Graph& graph, const Registry& registry, const Environment* env,
                                         const std::vector<NodeId>& targets = {});

}  // namespace tessera
