#pragma once
// What a ComfyUI node of a type Tessera does not have looked like in its workflow, for the editor to
// draw a clear placeholder: its widget values (named by the workflow's widget inputs where it lists
// all of them, as frontends since 1.16 do; "widget 1", "widget 2"... otherwise), its input ports and
// its outputs. Read from the node's placeholder JSON (comfyui_import keeps the node as read).
#include "core/graph/graph.h"

#include <string>
#include <utility>
#include <vector>

namespace tessera {

struct ComfyPlaceholderSlot {
    std::string name;
    std::string type;
};

struct ComfyPlaceholderLayout {
    bool fromComfyUI = false;  // false: the node did not come from a ComfyUI workflow
    std::vector<std::pair<std::string, Value>> widgets;  // in the workflow's order; lists/objects as JSON text
    std::vector<ComfyPlaceholderSlot> inputs;           // ports, not widgets
    std::vector<ComfyPlaceholderSlot> outputs;
};

ComfyPlaceholderLayout readComfyPlaceholder(const Node& node);

}  // namespace tessera
