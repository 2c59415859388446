// Replacing a node of a type ComfyUI deprecated by the Tessera node that succeeds it (node_successor.h).
#include "app/editor/document_util.h"
#include "app/editor/graph_commands.h"
#include "app/editor/graph_document.h"
#include "app/editor/node_successor.h"

#include <set>

namespace tessera::editor {

namespace {

std::string successorInputFor(const NodeSuccessor& s, const std::string& old) {
    for (const auto& [from, to] : s.inputs)
        if (from == old) return to;
    return {};
}

int successorOutputFor(const NodeSuccessor& s, int old) {
    for (const auto& [from, to] : s.outputs)
        if (from == old) return to;
    return -1;
}

}  // namespace

QString GraphDocument::successorName(qint64 node) const {
    const Node* n = graph_.node(node);
    const NodeSuccessor* s = n ? nodeSuccessor(n->type, registry_) : nullptr;
    if (!s) return {};
    const NodeDecl* decl = registry_.find(s->successor);
    return q(decl->displayName.empty() ? decl->type : decl->displayName);
}

qint64 GraphDocument::replaceWithSuccessor(qint64 node) {
    const Node* old = graph_.node(node);
    if (!old) {
        fail(QString("there is no node #%1").arg(node));
        return -1;
    }
    const NodeSuccessor* s = nodeSuccessor(old->type, registry_);
    if (!s) {
        fail(QString("%1 has no successor to replace it").arg(q(graph_.describeNode(node))));
        return -1;
    }
    const NodeDecl& decl = *registry_.find(s->successor);

    DeltaBuilder b(graph_);
    const std::vector<Link> links = b.links();
    b.removeNode(node);
    Node& n = stageNode(b, decl, old->pos.x, old->pos.y);
    const NodeId id = n.id;
    n.title = old->title;
    n.bypassed = old->bypassed;
    n.muted = old->muted;
    n.collapsed = old->collapsed;
    n.note = old->note;
    n.size = {old->size.x, 0};  // the height follows the new widgets
    for (const auto& [name, value] : old->widgets) {
        const std::string to = successorInputFor(*s, name);
        if (to.empty()) continue;
        n.widgets[to] = value;
        if (old->widgetInputs.count(name)) n.widgetInputs.insert(to);
        if (auto c = old->controlAfterGenerate.find(name); c != old->controlAfterGenerate.end()) n.controlAfterGenerate[to] = c->second;
    }
    for (const Link& l : links) {
        if (l.toNode == node)
            if (const std::string to = successorInputFor(*s, l.toInput); !to.empty())
                b.editLink(b.connect(l.fromNode, l.fromSlot, id, to, l.type))->reroutes = l.reroutes;
        if (l.fromNode == node)
            if (const int slot = successorOutputFor(*s, l.fromSlot); slot >= 0)
                b.editLink(b.connect(id, slot, l.toNode, l.toInput, l.type))->reroutes = l.reroutes;
    }

    // The negative side: the samplers whose positive the old node fed get their negative through the
    // successor, when they all take it from one place (otherwise the user connects it).
    if (!s->negativeInput.empty()) {
        std::set<NodeId> samplers;
        std::set<std::pair<NodeId, int>> negatives;
        for (const Link& l : links) {
            if (l.fromNode != node || l.toInput != "positive") continue;
            const Link* neg = graph_.linkInto(l.toNode, "negative");
            if (!neg) continue;
            samplers.insert(l.toNode);
            negatives.insert({neg->fromNode, neg->fromSlot});
        }
        if (negatives.size() == 1 && negatives.begin()->first != node) {
            const auto [from, slot] = *negatives.begin();
            b.connect(from, slot, id, s->negativeInput, "CONDITIONING");
            for (NodeId sampler : samplers) b.connect(id, s->negativeOutput, sampler, "negative", "CONDITIONING");
        }
    }
    commit(b, tr("Replace %1 with %2").arg(q(old->type), q(decl.displayName)));
    return id;
}

}  // namespace tessera::editor
