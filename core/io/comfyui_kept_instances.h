#pragma once
// Subgraph and group-node instances kept through a ComfyUI workflow's import, so that saving it as a
// ComfyUI workflow writes the instances and their definitions back instead of their flattened nodes.
// Import flattens every instance (execution needs one flat graph) and records, in the graph property
// "comfyui_instances": the definitions as read, each top-level instance node, the graph nodes it became
// (with a fingerprint of what execution sees of each), the links between them, and which inner inputs
// and outputs its slots reached. Saving writes an instance back while all of that still holds; one whose
// inside was edited is saved as its nodes, with a note.
#include "core/graph/graph.h"
#include "core/io/comfyui_flatten.h"
#include "core/io/json.h"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace tessera {

inline constexpr const char* kComfyInstancesProperty = "comfyui_instances";

// Fed by the importer while it collapses reroute chains into graph links.
class InstanceRecorder {
public:
    explicit InstanceRecorder(const FlattenedLayout& layout);
    // `link` (added to the graph) passed the boundary Reroute `boundary`, reached through the workflow
    // link `segment`, after `waypointsBefore` of its waypoints (counted from its input back).
    void crossed(int64_t boundary, const Link& link, int64_t segment, size_t waypointsBefore);
    // A PrimitiveNode's value went through `boundary` into an inner widget: the instance cannot be
    // written back as it was read, so it is left out.
    void fedByPrimitive(int64_t boundary);
    // Sets (or clears) the graph property.
    void store(Graph& graph) const;

private:
    struct Target {
        NodeId node = 0;
        std::string input;
        LinkId link = 0;
        size_t innerWaypoints = 0;
    };
    struct Source {
        NodeId node = 0;
        int slot = -1;
        size_t innerWaypoints = 0;
    };
    struct Slots {
        std::vector<int64_t> segments;  // per input slot: the workflow link into it
        std::vector<std::vector<Target>> targets;
        std::vector<Source> sources;  // per output slot
        bool keepable = true;
    };
    const FlattenedLayout& layout_;
    std::map<int64_t, std::pair<size_t, int>> boundaries_;  // Reroute -> (instance, slot: >= 0 in, < 0 out as -1 - k)
    std::vector<Slots> slots_;
};

// What a save writes for a graph link when some instances are written back.
struct KeptLink {
    bool skip = false;  // inside a kept instance, or a second target of the same instance input
    LinkId id = 0;
    NodeId from = 0;
    int fromSlot = 0;
    NodeId toInstance = 0;  // 0: the link's own target
    int toSlot = 0;
    std::vector<Point> waypoints;  // those outside the instances
};

// The instances of a graph that can be written back, decided once per save.
class KeptInstances {
public:
    // Instances that cannot be written back get a line in `notes` (when given).
    KeptInstances(const Graph& graph, std::vector<std::string>* notes);

    bool empty() const { return kept_.empty(); }
    bool hides(NodeId node) const { return owner_.count(node) > 0; }
    KeptLink map(const Link& link);
    // Each kept instance node as read (links not filled in), by id.
    std::map<NodeId, Json> instanceNodes() const;
    Json subgraphs() const;   // null when no kept instance needs them
    Json groupNodes() const;  // null when no kept instance needs them
    int64_t lastNodeId() const { return lastNodeId_; }
    int64_t lastLinkId() const { return lastLinkId_; }

private:
    bool intact(const Json& instance, const Graph& graph) const;

    Json stored_;
    std::vector<const Json*> kept_;
    std::map<NodeId, size_t> owner_;  // hidden node -> index into kept_
    std::map<std::pair<NodeId, int>, std::pair<size_t, int>> outputOf_;  // inner source -> (kept, slot)
    std::map<std::pair<NodeId, std::string>, std::pair<size_t, int>> inputOf_;  // inner target -> (kept, slot)
    std::set<std::pair<size_t, int>> written_;  // instance inputs already given their link
    int64_t lastNodeId_ = 0;
    int64_t lastLinkId_ = 0;
    LinkId nextFreshLink_ = 1;
};

}  // namespace tessera
