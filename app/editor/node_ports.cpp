#include "app/editor/node_ports.h"

#include "app/editor/node_list_model.h"

#include <algorithm>

namespace tessera::editor {

bool isShownAsPort(const Graph& graph, const Node& node, const InputDecl& input) {
    return !input.isWidget() || node.widgetInputs.count(input.name) || graph.linkInto(node.id, input.name);
}

std::vector<std::string> inputPortRows(const Graph& graph, const Node& node, const NodeDecl* decl) {
    std::vector<std::string> rows;
    if (decl) {
        for (const auto& in : decl->inputs)
            if (isShownAsPort(graph, node, in)) rows.push_back(in.name);
        return rows;
    }
    for (const auto& [id, l] : graph.links())
        if (l.toNode == node.id) rows.push_back(l.toInput);
    std::sort(rows.begin(), rows.end());
    return rows;
}

int inputPortRow(const Graph& graph, const Node& node, const NodeDecl* decl, const std::string& input) {
    const auto rows = inputPortRows(graph, node, decl);
    auto it = std::find(rows.begin(), rows.end(), input);
    return it == rows.end() ? -1 : int(it - rows.begin());
}

namespace {

int unknownOutputCount(const Graph& graph, const Node& node) {
    int n = 0;
    for (const Link* l : graph.linksFrom(node.id)) n = std::max(n, l->fromSlot + 1);
    return n;
}

}  // namespace

QRectF nodeRect(const Graph& graph, const Node& node, const Registry& registry) {
    QSizeF size(node.size.x, node.size.y);
    if (size.width() <= 0 || size.height() <= 0) {
        const NodeDecl* decl = registry.find(node.type);
        int widgets = 0, multiline = 0;
        if (decl)
            for (const auto& in : decl->inputs) {
                if (!in.isWidget() || isShownAsPort(graph, node, in)) continue;
                if (in.multiline) ++multiline;
                else widgets += in.controlAfterGenerate ? 2 : 1;
            }
        const int inputs = int(inputPortRows(graph, node, decl).size());
        const int outputs = decl ? int(decl->outputs.size()) : unknownOutputCount(graph, node);
        const QSizeF estimate = NodeListModel::estimatedSize(inputs, outputs, widgets, multiline);
        if (size.width() <= 0) size.setWidth(estimate.width());
        if (size.height() <= 0) size.setHeight(estimate.height());
    }
    if (node.collapsed) size.setHeight(NodeListModel::kHeaderHeight);
    return {node.pos.x, node.pos.y, size.width(), size.height()};
}

QRectF nodesRect(const Graph& graph, const std::vector<NodeId>& ids, const Registry& registry) {
    QRectF box;
    for (NodeId id : ids)
        if (const Node* n = graph.node(id)) box = box.isNull() ? nodeRect(graph, *n, registry) : box.united(nodeRect(graph, *n, registry));
    return box;
}

}  // namespace tessera::editor
