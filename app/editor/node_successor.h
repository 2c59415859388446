#pragma once
// ComfyUI nodes marked deprecated upstream (DEPRECATED = True in ComfyUI's nodes.py and comfy_extras)
// that a Tessera node replaces, and how: which of the successor's inputs, widgets and outputs takes
// each of the old node's. The editor's "Replace with ..." action swaps a node for its successor so.
#include "core/graph/registry.h"

#include <string>
#include <utility>
#include <vector>

namespace tessera::editor {

struct NodeSuccessor {
    std::string type;       // the deprecated node
    std::string successor;  // the node that replaces it
    std::vector<std::pair<std::string, std::string>> inputs;  // old input (port or widget) -> the successor's
    std::vector<std::pair<int, int>> outputs;                 // old output slot -> the successor's
    // ControlNetApply also guided the negative side when sampling (control_apply_to_uncond): its
    // successor takes the samplers' negative conditioning in here and gives it to them from here.
    std::string negativeInput;
    int negativeOutput = -1;
};

// The successor of `type` when it has one and the registry declares both; nullptr otherwise.
const NodeSuccessor* nodeSuccessor(const std::string& type, const Registry& registry);

}  // namespace tessera::editor
