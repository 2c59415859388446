#pragma once
// The undo commands behind GraphDocument's edits. Every edit but moving and resizing is a
// GraphDelta: the before and after state of each node and link it touches (and of the groups and
// document properties, such as the saved sweep),
// so undo restores exactly what was there, ids included. Edits are staged on a DeltaBuilder
// without touching the graph; pushing the command applies them.
#include "core/graph/graph.h"

#include <QUndoCommand>

#include <map>
#include <optional>
#include <set>
#include <vector>

namespace tessera::editor {

class GraphDocument;

template <class T>
struct Change {
    std::optional<T> before, after;  // nullopt: absent (added / removed)
};

struct GraphDelta {
    std::map<NodeId, Change<Node>> nodes;
    std::map<LinkId, Change<Link>> links;
    std::optional<Change<std::vector<Group>>> groups;
    std::optional<Change<std::map<std::string, std::string>>> properties;
    bool empty() const { return nodes.empty() && links.empty() && !groups && !properties; }
};

bool sameNode(const Node& a, const Node& b);
bool sameLink(const Link& a, const Link& b);

// Stages edits over a graph that it never modifies; finish() gives the delta.
class DeltaBuilder {
public:
    explicit DeltaBuilder(const Graph& graph);

    const Graph& graph() const { return graph_; }
    const Node* node(NodeId id) const;
    Node* editNode(NodeId id);  // a staged copy; nullptr when absent
    Node& addNode(const std::string& type);  // the next free id
    void removeNode(NodeId id);              // and every link into or out of it
    std::vector<Link> links() const;         // current view, ordered by id
    const Link* linkInto(NodeId to, const std::string& input) const;
    LinkId connect(NodeId from, int fromSlot, NodeId to, const std::string& input, const std::string& type);
    Link* editLink(LinkId id);  // a staged copy; nullptr when absent
    void removeLink(LinkId id);
    std::vector<Group>& groups();
    std::map<std::string, std::string>& properties();

    GraphDelta finish() const;  // only what really changed

private:
    const Graph& graph_;
    std::map<NodeId, std::optional<Node>> nodes_;
    std::map<LinkId, std::optional<Link>> links_;
    std::optional<std::vector<Group>> groups_;
    std::optional<std::map<std::string, std::string>> properties_;
    NodeId nextNode_;
    LinkId nextLink_;
};

// The base of the commands: the one class GraphDocument lets edit its graph.
class DocumentEdit : public QUndoCommand {
protected:
    DocumentEdit(GraphDocument* doc, const QString& text);
    Graph& graph();
    GraphDocument* doc_;
};

class DeltaCommand : public DocumentEdit {
public:
    DeltaCommand(GraphDocument* doc, const QString& text, GraphDelta delta);
    void redo() override { apply(true); }
    void undo() override { apply(false); }

private:
    void apply(bool forward);
    GraphDelta delta_;
};

// Moving or resizing nodes. Consecutive commands of the same kind on the same node set merge
// while the document's gesture serial is unchanged (GraphDocument::finishMove bumps it).
class LayoutCommand : public DocumentEdit {
public:
    enum Kind { Move = 1, Resize = 2 };  // also the QUndoCommand ids
    struct Layout {
        Point pos, size;
    };
    LayoutCommand(GraphDocument* doc, Kind kind, int gesture, std::map<NodeId, std::pair<Layout, Layout>> changes);
    int id() const override { return kind_; }
    bool mergeWith(const QUndoCommand* other) override;
    void redo() override { apply(true); }
    void undo() override { apply(false); }

private:
    void apply(bool forward);
    Kind kind_;
    int gesture_;
    std::map<NodeId, std::pair<Layout, Layout>> changes_;  // before, after
};

// Dragging one reroute point of a link. Consecutive moves of the same point merge while the
// gesture serial is unchanged, like LayoutCommand.
class RerouteMoveCommand : public DocumentEdit {
public:
    static constexpr int kId = 3;  // after LayoutCommand's kinds
    RerouteMoveCommand(GraphDocument* doc, int gesture, LinkId link, size_t index, Point before, Point after);
    int id() const override { return kId; }
    bool mergeWith(const QUndoCommand* other) override;
    void redo() override { apply(after_); }
    void undo() override { apply(before_); }

private:
    void apply(Point p);
    int gesture_;
    LinkId link_;
    size_t index_;
    Point before_, after_;
};

}  // namespace tessera::editor
