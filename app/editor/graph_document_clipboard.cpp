// GraphDocument's clipboard: graph.json text of the copied nodes and the links among them.
#include "app/editor/document_util.h"
#include "app/editor/graph_commands.h"
#include "app/editor/graph_document.h"
#include "core/common/error.h"
#include "core/io/comfyui_import.h"
#include "core/io/graph_json.h"

#include <limits>
#include <map>
#include <set>

namespace tessera::editor {

namespace {

constexpr double kDuplicateOffset = 40;  // duplicates land this far down and right

}  // namespace

// ---- clipboard ----

QString GraphDocument::copyNodes(const QVariantList& ids) const {
    Graph sub;
    std::set<NodeId> kept;
    for (NodeId id : toIds(ids))
        if (const Node* n = graph_.node(id)) {
            sub.addNode(n->type, id) = *n;
            kept.insert(id);
        }
    for (const auto& [id, l] : graph_.links())
        if (kept.count(l.fromNode) && kept.count(l.toNode)) sub.addLink(l);
    return QString::fromUtf8(graphToJson(sub));
}

QVariantList GraphDocument::pasteNodes(const QString& json, double x, double y) {
    Graph source;
    try {
        LoadReport report;
        source = importGraph(json.toUtf8(), registry_, report);
    } catch (const Error& e) {
        fail(QString("cannot paste: %1").arg(QString::fromUtf8(e.what())));
        return {};
    }
    return pasteGraph(source, x, y, tr("Paste"));
}

QVariantList GraphDocument::pasteGraph(const Graph& source, double x, double y, const QString& text) {
    if (source.nodes().empty()) {
        fail(tr("cannot paste: there are no nodes to paste"));
        return {};
    }
    double left = std::numeric_limits<double>::infinity(), top = left;
    for (const auto& [id, n] : source.nodes()) {
        left = std::min(left, n.pos.x);
        top = std::min(top, n.pos.y);
    }
    DeltaBuilder b(graph_);
    std::map<NodeId, NodeId> newId;
    QVariantList ids;
    for (const auto& [id, n] : source.nodes()) {
        Node& copy = b.addNode(n.type);
        const NodeId nid = copy.id;
        copy = n;
        copy.id = nid;
        copy.pos = {n.pos.x - left + x, n.pos.y - top + y};
        newId[id] = nid;
        ids.push_back(qint64(nid));
    }
    for (const auto& [id, l] : source.links()) {  // a link to a node not pasted is dropped
        if (!newId.count(l.fromNode) || !newId.count(l.toNode)) continue;
        const LinkId pasted = b.connect(newId[l.fromNode], l.fromSlot, newId[l.toNode], l.toInput, l.type);
        for (const Point& p : l.reroutes) b.editLink(pasted)->reroutes.push_back({p.x - left + x, p.y - top + y});
    }
    commit(b, text);
    return ids;
}

QVariantList GraphDocument::duplicateNodes(const QVariantList& ids) {
    Graph source;
    try {
        source = graphFromJson(copyNodes(ids).toUtf8(), &registry_);
    } catch (const Error& e) {
        fail(QString("cannot duplicate: %1").arg(QString::fromUtf8(e.what())));
        return {};
    }
    double left = std::numeric_limits<double>::infinity(), top = left;
    for (const auto& [id, n] : source.nodes()) {
        left = std::min(left, n.pos.x);
        top = std::min(top, n.pos.y);
    }
    return pasteGraph(source, left + kDuplicateOffset, top + kDuplicateOffset, tr("Duplicate"));
}

}  // namespace tessera::editor
