#pragma once
// Stages the inpainting graph of inpaint_setup.h on a DeltaBuilder: reuses and rewires the parts
// findInpaintRoles found, adds what is missing next to the LoadImage (on free canvas space) and
// removes what the options no longer call for. GraphDocument::applyInpaint commits the result.
#include "app/editor/graph_commands.h"
#include "app/editor/inpaint_roles.h"
#include "core/graph/registry.h"

#include <QRectF>

#include <functional>
#include <set>
#include <string>
#include <vector>

namespace tessera::editor {

class InpaintGraphBuilder {
public:
    // Stages a node with the editor's default widgets (GraphDocument::stageNode).
    using NewNode = std::function<Node&(DeltaBuilder&, const NodeDecl&, double x, double y)>;
    InpaintGraphBuilder(DeltaBuilder& edit, const Registry& registry, NewNode newNode);

    void build(InpaintRoles roles, const std::string& maskFile, const InpaintOptions& options);

private:
    NodeId ensure(NodeId existing, const std::string& type, double col, double row);
    NodeId place(const std::string& type, double x, double y);
    void link(OutputRef from, NodeId to, const std::string& input);
    void setWidget(NodeId node, const std::string& name, Value value);
    void moveConsumers(OutputRef from, OutputRef to);
    void remove(NodeId node);
    void buildPipeline(InpaintRoles& roles, const InpaintOptions& options);
    void removeOrphanedSources();

    DeltaBuilder& edit_;
    const Registry& registry_;
    NewNode newNode_;
    Point origin_;                      // the LoadImage's position: the grid new nodes are placed on
    std::vector<QRectF> occupied_;      // node rectangles, new ones included
    std::set<NodeId> replacedSources_;  // nodes whose links into the chain were replaced
};

}  // namespace tessera::editor
