#pragma once
// Which of a node's inputs are drawn as ports, in the order the canvas draws them, and the
// size a node takes on the canvas. Shared by the list models and the document (groupNodes).
#include "core/graph/graph.h"
#include "core/graph/registry.h"

#include <QRectF>

#include <string>
#include <vector>

namespace tessera::editor {

// An input is a port when it is not a widget, or it is a widget turned into an input
// (Node::widgetInputs) or fed by a link.
bool isShownAsPort(const Graph& graph, const Node& node, const InputDecl& input);

// The node's input port rows, top to bottom: its declared inputs in declaration order, keeping
// those shown as ports. A node of unknown type has one row per linked input, by name.
std::vector<std::string> inputPortRows(const Graph& graph, const Node& node, const NodeDecl* decl);
int inputPortRow(const Graph& graph, const Node& node, const NodeDecl* decl, const std::string& input);  // -1: none

// The node's rectangle on the canvas: its size, or NodeListModel::estimatedSize when it has none;
// collapsed nodes are one header high.
QRectF nodeRect(const Graph& graph, const Node& node, const Registry& registry);
// The union of those nodes' rectangles (ids not in the graph are skipped); null when none is.
QRectF nodesRect(const Graph& graph, const std::vector<NodeId>& ids, const Registry& registry);

}  // namespace tessera::editor
