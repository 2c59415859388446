#pragma once
// POST /prompt's "prompt": imported through the ComfyUI API-prompt reader, validated, and either
// ready to run or rejected with ComfyUI's 400 body ({error, node_errors} keyed by the prompt's ids).
#include "core/exec/environment.h"
#include "core/graph/graph.h"
#include "core/graph/registry.h"
#include "core/io/json.h"

#include <map>
#include <string>
#include <vector>

namespace tessera::server {

struct CheckedPrompt {
    bool ok = false;
    Json rejection;  // when !ok: the 400 body
    Graph graph;
    std::map<NodeId, std::string> keys;  // graph node -> the prompt's id for it
    std::vector<NodeId> targets;         // output nodes to run
    Json outputKeys{Json::Array{}};      // their prompt ids, in prompt order ("outputs_to_execute")
};

// `partialTargets`: optional list of output node ids (ComfyUI's partial_execution_targets).
CheckedPrompt checkPrompt(const Json& prompt, const Registry& registry, const Environment& env,
                          const Json* partialTargets = nullptr);

// ComfyUI's error type for one of Tessera's validation messages ("required_input_missing", ...).
std::string comfyErrorType(const std::string& message);

}  // namespace tessera::server
