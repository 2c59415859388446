#pragma once
// The document an artist edits: nodes with widget values, links between typed ports,
// groups and positions. Plain data with a few helpers; no Qt, no torch. The UI's models and
// the executor both work on it.
#include "core/graph/value.h"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace tessera {

using NodeId = int64_t;
using LinkId = int64_t;

struct Point {
    double x = 0, y = 0;
    bool operator==(const Point&) const = default;
};

struct Node {
    NodeId id = 0;
    std::string type;   // declaration type; unknown types are kept as placeholders
    std::string title;  // empty: the declaration's display name
    std::map<std::string, Value> widgets;  // widget input name -> value
    // Seed-style widgets: "fixed", "increment", "decrement", "randomize".
    std::map<std::string, std::string> controlAfterGenerate;
    // Widgets the artist turned into input ports (ComfyUI's "convert widget to input"): drawn
    // as a port, fed by a link; with no link validation reports a missing input.
    std::set<std::string> widgetInputs;
    Point pos;
    Point size;
    bool collapsed = false;
    bool bypassed = false;  // outputs pass matching inputs through
    bool muted = false;     // never runs; nothing downstream runs
    std::string note;
    // The plugin that provides the type (empty: built in), saved with the graph so that opening it
    // where the plugin is missing can say which plugin to install.
    std::string plugin;
    // For nodes of unknown type: what the file said, kept verbatim so saving loses nothing.
    std::string placeholderJson;
};

struct Link {
    LinkId id = 0;
    NodeId fromNode = 0;
    int fromSlot = 0;  // output index
    NodeId toNode = 0;
    std::string toInput;  // input name
    std::string type;     // the output's type when the link was made
    // Waypoints the link is drawn through, from its output to its input (canvas coordinates).
    // Only the look: execution ignores them.
    std::vector<Point> reroutes;
};

struct Group {
    std::string title;
    double x = 0, y = 0, width = 0, height = 0;
    std::string color;  // "#rrggbb"
};

class Graph {
public:
    Node& addNode(const std::string& type, std::optional<NodeId> id = std::nullopt);
    // Connects output `fromSlot` of `from` to input `toInput` of `to`, replacing any link
    // already feeding that input. Does no type checking (validation does).
    Link& connect(NodeId from, int fromSlot, NodeId to, const std::string& toInput, const std::string& type = {});
    // Adds a link keeping its id (file loaders). Throws tessera::Error if the id is taken;
    // replaces any link already feeding the same input, like connect().
    Link& addLink(const Link& link);
    void removeNode(NodeId id);  // and its links
    void removeLink(LinkId id);

    Node* node(NodeId id);
    const Node* node(NodeId id) const;
    const Link* linkInto(NodeId to, const std::string& input) const;
    std::vector<const Link*> linksFrom(NodeId from) const;

    const std::map<NodeId, Node>& nodes() const { return nodes_; }
    std::map<NodeId, Node>& nodes() { return nodes_; }
    const std::map<LinkId, Link>& links() const { return links_; }
    std::vector<Group>& groups() { return groups_; }
    const std::vector<Group>& groups() const { return groups_; }
    // Free-form document properties ("name", "description", ...).
    std::map<std::string, std::string>& properties() { return properties_; }
    const std::map<std::string, std::string>& properties() const { return properties_; }

    NodeId nextNodeId() const { return nextNode_; }
    LinkId nextLinkId() const { return nextLink_; }
    // "KSampler #3" or the node's title with its id, for messages.
    std::string describeNode(NodeId id) const;

private:
    std::map<NodeId, Node> nodes_;
    std::map<LinkId, Link> links_;
    std::vector<Group> groups_;
    std::map<std::string, std::string> properties_;
    NodeId nextNode_ = 1;
    LinkId nextLink_ = 1;
};

}  // namespace tessera
