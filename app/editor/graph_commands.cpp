#include "app/editor/graph_commands.h"

#include "app/editor/graph_document.h"

#include <algorithm>

namespace tessera::editor {

bool sameNode(const Node& a, const Node& b) {
    return a.id == b.id && a.type == b.type && a.title == b.title && a.widgets == b.widgets &&
           a.controlAfterGenerate == b.controlAfterGenerate && a.widgetInputs == b.widgetInputs &&
           a.pos.x == b.pos.x && a.pos.y == b.pos.y && a.size.x == b.size.x && a.size.y == b.size.y &&
           a.collapsed == b.collapsed && a.bypassed == b.bypassed && a.muted == b.muted && a.note == b.note &&
           a.placeholderJson == b.placeholderJson;
}

bool sameLink(const Link& a, const Link& b) {
    return a.id == b.id && a.fromNode == b.fromNode && a.fromSlot == b.fromSlot && a.toNode == b.toNode &&
           a.toInput == b.toInput && a.type == b.type && a.reroutes == b.reroutes;
}

namespace {

bool sameGroups(const std::vector<Group>& a, const std::vector<Group>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const Group& x, const Group& y) {
        return x.title == y.title && x.x == y.x && x.y == y.y && x.width == y.width && x.height == y.height &&
               x.color == y.color;
    });
}

}  // namespace

// ---- DeltaBuilder ----

DeltaBuilder::DeltaBuilder(const Graph& graph)
    : graph_(graph), nextNode_(graph.nextNodeId()), nextLink_(graph.nextLinkId()) {}

const Node* DeltaBuilder::node(NodeId id) const {
    if (auto it = nodes_.find(id); it != nodes_.end()) return it->second ? &*it->second : nullptr;
    return graph_.node(id);
}

Node* DeltaBuilder::editNode(NodeId id) {
    if (auto it = nodes_.find(id); it != nodes_.end()) return it->second ? &*it->second : nullptr;
    const Node* n = graph_.node(id);
    if (!n) return nullptr;
    return &*(nodes_[id] = *n);
}

Node& DeltaBuilder::addNode(const std::string& type) {
    const NodeId id = nextNode_++;
    Node n;
    n.id = id;
    n.type = type;
    return *(nodes_[id] = std::move(n));
}

void DeltaBuilder::removeNode(NodeId id) {
    if (!node(id)) return;
    for (const Link& l : links())
        if (l.fromNode == id || l.toNode == id) removeLink(l.id);
    nodes_[id] = std::nullopt;
}

std::vector<Link> DeltaBuilder::links() const {
    std::vector<Link> out;
    for (const auto& [id, l] : graph_.links())
        if (!links_.count(id)) out.push_back(l);
    for (const auto& [id, l] : links_)
        if (l) out.push_back(*l);
    std::sort(out.begin(), out.end(), [](const Link& a, const Link& b) { return a.id < b.id; });
    return out;
}

const Link* DeltaBuilder::linkInto(NodeId to, const std::string& input) const {
    for (const auto& [id, l] : links_)
        if (l && l->toNode == to && l->toInput == input) return &*l;
    for (const auto& [id, l] : graph_.links())
        if (l.toNode == to && l.toInput == input && !links_.count(id)) return &l;
    return nullptr;
}

LinkId DeltaBuilder::connect(NodeId from, int fromSlot, NodeId to, const std::string& input, const std::string& type) {
    if (const Link* old = linkInto(to, input)) removeLink(old->id);
    Link l;
    l.id = nextLink_++;
    l.fromNode = from;
    l.fromSlot = fromSlot;
    l.toNode = to;
    l.toInput = input;
    l.type = type;
    links_[l.id] = l;
    return l.id;
}

Link* DeltaBuilder::editLink(LinkId id) {
    if (auto it = links_.find(id); it != links_.end()) return it->second ? &*it->second : nullptr;
    auto it = graph_.links().find(id);
    if (it == graph_.links().end()) return nullptr;
    return &*(links_[id] = it->second);
}

void DeltaBuilder::removeLink(LinkId id) { links_[id] = std::nullopt; }

std::vector<Group>& DeltaBuilder::groups() {
    if (!groups_) groups_ = graph_.groups();
    return *groups_;
}

std::map<std::string, std::string>& DeltaBuilder::properties() {
    if (!properties_) properties_ = graph_.properties();
    return *properties_;
}

GraphDelta DeltaBuilder::finish() const {
    GraphDelta d;
    for (const auto& [id, staged] : nodes_) {
        const Node* now = graph_.node(id);
        if (!now && !staged) continue;
        if (now && staged && sameNode(*now, *staged)) continue;
        Change<Node>& c = d.nodes[id];
        if (now) c.before = *now;
        c.after = staged;
    }
    for (const auto& [id, staged] : links_) {
        auto it = graph_.links().find(id);
        const Link* now = it == graph_.links().end() ? nullptr : &it->second;
        if (!now && !staged) continue;
        if (now && staged && sameLink(*now, *staged)) continue;
        Change<Link>& c = d.links[id];
        if (now) c.before = *now;
        c.after = staged;
    }
    if (groups_ && !sameGroups(*groups_, graph_.groups())) d.groups = Change<std::vector<Group>>{graph_.groups(), *groups_};
    if (properties_ && *properties_ != graph_.properties())
        d.properties = Change<std::map<std::string, std::string>>{graph_.properties(), *properties_};
    return d;
}

// ---- commands ----

DocumentEdit::DocumentEdit(GraphDocument* doc, const QString& text) : doc_(doc) { setText(text); }

Graph& DocumentEdit::graph() { return doc_->graph_; }

DeltaCommand::DeltaCommand(GraphDocument* doc, const QString& text, GraphDelta delta)
    : DocumentEdit(doc, text), delta_(std::move(delta)) {}

void DeltaCommand::apply(bool forward) {
    Graph& g = graph();
    auto target = [forward](const auto& c) -> const auto& { return forward ? c.after : c.before; };
    // Links out first (so removing a node removes nothing unrecorded), then nodes, then links in.
    for (const auto& [id, c] : delta_.links) g.removeLink(id);
    std::vector<NodeId> added, changed, removed;
    for (const auto& [id, c] : delta_.nodes) {
        const auto& t = target(c);
        Node* now = g.node(id);
        if (!t) {
            if (now) removed.push_back(id);
            g.removeNode(id);
        } else if (now) {
            *now = *t;
            changed.push_back(id);
        } else {
            g.addNode(t->type, id) = *t;
            added.push_back(id);
        }
    }
    std::set<NodeId> linkEnds;
    for (const auto& [id, c] : delta_.links) {
        if (const auto& t = target(c)) g.addLink(*t);
        for (const auto& l : {c.before, c.after})
            if (l) linkEnds.insert(l->toNode);
    }
    if (delta_.groups) g.groups() = *(forward ? delta_.groups->after : delta_.groups->before);
    if (delta_.properties) g.properties() = *(forward ? delta_.properties->after : delta_.properties->before);

    // Added nodes before the links that use them; removed nodes after the links that used them.
    for (NodeId id : added) Q_EMIT doc_->nodeAdded(id);
    if (!delta_.links.empty()) Q_EMIT doc_->linksChanged();
    for (NodeId id : linkEnds)  // their ports' "connected" flags changed
        if (g.node(id) && !std::count(added.begin(), added.end(), id) && !std::count(changed.begin(), changed.end(), id))
            changed.push_back(id);
    for (NodeId id : changed) Q_EMIT doc_->nodeChanged(id);
    for (NodeId id : removed) Q_EMIT doc_->nodeRemoved(id);
    if (delta_.groups) Q_EMIT doc_->groupsChanged();
}

LayoutCommand::LayoutCommand(GraphDocument* doc, Kind kind, int gesture,
                             std::map<NodeId, std::pair<Layout, Layout>> changes)
    : DocumentEdit(doc, kind == Move ? GraphDocument::tr("Move") : GraphDocument::tr("Resize")),
      kind_(kind),
      gesture_(gesture),
      changes_(std::move(changes)) {}

bool LayoutCommand::mergeWith(const QUndoCommand* other) {
    const auto* o = static_cast<const LayoutCommand*>(other);  // same id() means same class
    if (o->gesture_ != gesture_ || o->changes_.size() != changes_.size()) return false;
    for (const auto& [id, c] : o->changes_)
        if (!changes_.count(id)) return false;
    for (const auto& [id, c] : o->changes_) changes_[id].second = c.second;
    return true;
}

RerouteMoveCommand::RerouteMoveCommand(GraphDocument* doc, int gesture, LinkId link, size_t index, Point before,
                                       Point after)
    : DocumentEdit(doc, GraphDocument::tr("Move reroute")),
      gesture_(gesture),
      link_(link),
      index_(index),
      before_(before),
      after_(after) {}

bool RerouteMoveCommand::mergeWith(const QUndoCommand* other) {
    const auto* o = static_cast<const RerouteMoveCommand*>(other);
    if (o->gesture_ != gesture_ || o->link_ != link_ || o->index_ != index_) return false;
    after_ = o->after_;
    return true;
}

void RerouteMoveCommand::apply(Point p) {
    auto it = graph().links().find(link_);
    if (it == graph().links().end() || index_ >= it->second.reroutes.size()) return;
    Link moved = it->second;
    moved.reroutes[index_] = p;
    graph().removeLink(link_);
    graph().addLink(moved);
    Q_EMIT doc_->linksChanged();
}

void LayoutCommand::apply(bool forward) {
    Graph& g = graph();
    for (const auto& [id, c] : changes_) {
        Node* n = g.node(id);
        if (!n) continue;
        const Layout& l = forward ? c.second : c.first;
        n->pos = l.pos;
        n->size = l.size;
        Q_EMIT doc_->nodeLayoutChanged(id);
    }
}

}  // namespace tessera::editor
