#include "core/graph/graph.h"

#include "core/common/error.h"

#include <algorithm>

namespace tessera {

Node& Graph::addNode(const std::string& type, std::optional<NodeId> id) {
    const NodeId nid = id.value_or(nextNode_);
    if (nodes_.count(nid)) throw Error("a node with id " + std::to_string(nid) + " already exists");
    nextNode_ = std::max(nextNode_, nid + 1);
    Node& n = nodes_[nid];
    n.id = nid;
    n.type = type;
    return n;
}

Link& Graph::connect(NodeId from, int fromSlot, NodeId to, const std::string& toInput, const std::string& type) {
    if (const Link* old = linkInto(to, toInput)) links_.erase(old->id);
    const LinkId id = nextLink_++;
    Link& l = links_[id];
    l.id = id;
    l.fromNode = from;
    l.fromSlot = fromSlot;
    l.toNode = to;
    l.toInput = toInput;
    l.type = type;
    return l;
}

Link& Graph::addLink(const Link& link) {
    if (links_.count(link.id)) throw Error("a link with id " + std::to_string(link.id) + " already exists");
    if (const Link* old = linkInto(link.toNode, link.toInput)) links_.erase(old->id);
    nextLink_ = std::max(nextLink_, link.id + 1);
    return links_[link.id] = link;
}

void Graph::removeNode(NodeId id) {
    nodes_.erase(id);
    for (auto it = links_.begin(); it != links_.end();) {
        if (it->second.fromNode == id || it->second.toNode == id)
            it = links_.erase(it);
        else
            ++it;
    }
}

void Graph::removeLink(LinkId id) { links_.erase(id); }

Node* Graph::node(NodeId id) {
    auto it = nodes_.find(id);
    return it == nodes_.end() ? nullptr : &it->second;
}

const Node* Graph::node(NodeId id) const {
    auto it = nodes_.find(id);
    return it == nodes_.end() ? nullptr : &it->second;
}

const Link* Graph::linkInto(NodeId to, const std::string& input) const {
    for (const auto& [id, l] : links_)
        if (l.toNode == to && l.toInput == input) return &l;
    return nullptr;
}

std::vector<const Link*> Graph::linksFrom(NodeId from) const {
    std::vector<const Link*> out;
    for (const auto& [id, l] : links_)
        if (l.fromNode == from) out.push_back(&l);
    return out;
}

std::string Graph::describeNode(NodeId id) const {
    const Node* n = node(id);
    if (!n) return "node #" + std::to_string(id);
    return (n->title.empty() ? n->type : n->title) + " #" + std::to_string(id);
}

}  // namespace tessera
