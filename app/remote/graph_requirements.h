#pragma once
// What a graph needs from the backend that runs it: node types, model files (by models folder)
// and input images (to upload). Only the nodes a ComfyUI prompt carries count (muted, bypassed
// and note nodes are left out of it).
#include "app/remote/backend_capabilities.h"
#include "core/graph/graph.h"
#include "core/graph/registry.h"

#include <set>
#include <string>
#include <vector>

namespace tessera::remote {

struct ModelNeed {
    NodeId node = 0;
    std::string folder;  // "checkpoints"
    std::string file;    // as the widget names it
};

struct InputImageNeed {
    NodeId node = 0;
    std::string input;  // the widget ("image")
    std::string file;   // relative to the local input folder
};

struct GraphRequirements {
    std::set<std::string> nodeTypes;
    std::vector<ModelNeed> models;
    std::vector<InputImageNeed> images;
    std::vector<std::string> folders() const;  // the model folders to list on a backend
};

GraphRequirements requirementsOf(const Graph& graph, const Registry& registry);

// One line per thing the backend lacks, naming the node, the file and its folder; a Tessera-only
// node on a ComfyUI backend says that only Tessera backends run it. Empty: the backend can run it.
std::vector<std::string> missingOn(const GraphRequirements& needs, const BackendCapabilities& backend,
                                   const Graph& graph, const std::string& backendName);

}  // namespace tessera::remote
