#include "app/editor/node_successor.h"

namespace tessera::editor {
namespace {

// ComfyUI's deprecated nodes that Tessera has, each with the node ComfyUI points to instead.
const std::vector<NodeSuccessor>& successorTable() {
    static const std::vector<NodeSuccessor> table{
        // "Apply ControlNet (OLD)" -> "Apply ControlNet": the same ControlNet over the whole schedule
        // (start 0, end 1) on the positive and, as before, the negative conditioning.
        {"ControlNetApply",
         "ControlNetApplyAdvanced",
         {{"conditioning", "positive"}, {"control_net", "control_net"}, {"image", "image"}, {"strength", "strength"}},
         {{0, 0}},
         "negative",
         1},
    };
    return table;
}

}  // namespace

const NodeSuccessor* nodeSuccessor(const std::string& type, const Registry& registry) {
    for (const NodeSuccessor& s : successorTable())
        if (s.type == type && registry.find(s.type) && registry.find(s.successor)) return &s;
    return nullptr;
}

}  // namespace tessera::editor
