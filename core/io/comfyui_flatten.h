#pragma once
// The layouts ComfyUI's frontend has written beyond plain nodes + links, rewritten into the plain
// layout before import, so execution sees one flat graph:
// - subgraphs (schema 0.4 or 1, "definitions": {"subgraphs": [...]}): an instance node's type is the
//   subgraph's id; inside, links from node -10 are the instance's inputs and links to node -20 its
//   outputs. Nested subgraphs are expanded too.
// - group nodes ("extra": {"groupNodes": {NAME: {nodes, links, external, config}}}): instances typed
//   "workflow/NAME" (or "workflow>NAME"); their inputs, outputs and widget values are laid out as
//   the frontend's GroupNodeConfig does (inner nodes in order: widgets, then unlinked slots; converted
//   widgets last; outputs not used inside, or also used outside).
// - native reroutes ("extra": {"reroutes", "linkExtensions"} in 0.4; "reroutes" and a link's
//   "parentId" in 1): each link gets "tessera_waypoints", from its output to its input.
// Inner nodes get fresh ids above the workflow's own and take the instance's mode (muted, bypassed)
// when theirs is normal; top-level instances are expanded in id order. Each instance input and output becomes a Reroute node marked
// "tessera_boundary", collapsed by the importer like any Reroute. Links come out as schema-1 objects.
#include "core/graph/registry.h"
#include "core/io/json.h"
#include "core/io/load_report.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tessera {

// One subgraph or group-node instance of the top level, as the flattener expanded it.
struct FlattenedInstance {
    int64_t id = 0;
    std::string name;              // the subgraph's name, or the group node's
    Json node;                     // the instance as the workflow lists it
    std::vector<int64_t> inputs;   // the boundary Reroute of each instance input slot
    std::vector<int64_t> outputs;  // ... of each output slot
    int64_t firstInner = 0;        // its inner nodes (nested ones too) got the ids [firstInner, endInner)
    int64_t endInner = 0;
};

// What import needs to write the instances back when saving (comfyui_kept_instances.h).
struct FlattenedLayout {
    Json subgraphs;   // "definitions": {"subgraphs": ...} as read, or null
    Json groupNodes;  // "extra": {"groupNodes": ...} as read, or null
    std::vector<FlattenedInstance> instances;
    int64_t lastNodeId = 0;  // fresh ids started above these
    int64_t lastLinkId = 0;
};

// True when the workflow uses subgraphs, group nodes or native reroutes.
bool needsFlattening(const Json& root);

// Throws tessera::Error for definitions that cannot be expanded (a subgraph that contains itself,
// nesting deeper than 16 levels).
// `layout`, when given, receives the definitions and how each top-level instance was expanded.
Json flattenComfyWorkflow(const Json& root, const Registry& registry, LoadReport& report, FlattenedLayout* layout = nullptr);

// Throws tessera::Error("ComfyUI workflow: <problem>"): the readers of UI workflows share the prefix.
[[noreturn]] void failWorkflow(const std::string& problem);

}  // namespace tessera
