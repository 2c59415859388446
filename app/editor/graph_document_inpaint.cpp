// GraphDocument's "inpaint this image": the state the mask editor opens with, the inpainting
// graph built from its result (InpaintGraphBuilder) and the LoadImage for an output image.
#include "app/editor/document_util.h"
#include "app/editor/graph_commands.h"
#include "app/editor/graph_document.h"
#include "app/editor/inpaint_graph_builder.h"
#include "app/editor/inpaint_roles.h"
#include "app/editor/node_ports.h"

#include <QDir>
#include <QFileInfo>

#include <algorithm>
#include <set>

namespace tessera::editor {

namespace {

// The image-to-image chain a LoadImage can feed ("inpaint this image" repoints such a LoadImage).
const std::set<std::string> kImageChainTypes = {"VAEEncode", "VAEEncodeForInpaint", "InpaintModelConditioning",
                                                 "InpaintCrop", "ImagePadForOutpaint", "PaintedMask"};

bool feedsImageChain(const Graph& g, NodeId load) {
    for (const Link* l : g.linksFrom(load))
        if (kImageChainTypes.count(g.node(l->toNode)->type)) return true;
    return false;
}

}  // namespace

QVariantMap GraphDocument::inpaintState(qint64 loadImageNode) const {
    const Node* n = graph_.node(loadImageNode);
    if (!n || n->type != "LoadImage") {
        // lastError is the document's status line, not part of the graph: reporting is no edit.
        const_cast<GraphDocument*>(this)->fail(
            QString("#%1 is not a Load Image node; choose the Load Image whose picture to inpaint").arg(loadImageNode));
        return {};
    }
    const QDir dir(effectiveInputDir());
    const QString image = n->widgets.count("image") ? q(n->widgets.at("image").toString()) : QString();
    const InpaintRoles roles = findInpaintRoles(graph_, loadImageNode);
    QString maskFile;
    if (const Node* painted = graph_.node(roles.painted))
        if (auto it = painted->widgets.find("mask_file"); it != painted->widgets.end()) maskFile = q(it->second.toString());
    if (maskFile.isEmpty()) {
        const QString base = QFileInfo(image).completeBaseName().isEmpty() ? QString("image") : QFileInfo(image).completeBaseName();
        maskFile = base + "_mask.png";
        for (int i = 2; dir.exists(maskFile); ++i) maskFile = base + QString("_mask_%1.png").arg(i);
    }
    return {{"image", image},
            {"imagePath", image.isEmpty() ? QString() : dir.absoluteFilePath(image)},
            {"maskFile", maskFile},
            {"maskPath", dir.absoluteFilePath(maskFile)},
            {"options", readInpaintOptions(graph_, roles).toVariant()}};
}

bool GraphDocument::applyInpaint(qint64 loadImageNode, const QString& maskFile, const QVariantMap& options) {
    const Node* n = graph_.node(loadImageNode);
    if (!n || n->type != "LoadImage")
        return fail(QString("cannot set up inpainting: #%1 is not a Load Image node").arg(loadImageNode));
    const QDir dir(effectiveInputDir());
    if (maskFile.isEmpty() || !QFileInfo(dir.filePath(maskFile)).isFile())
        return fail(QString("cannot set up inpainting: the mask '%1' is not in the input folder %2; save the painted mask first")
                        .arg(maskFile, dir.path()));
    DeltaBuilder b(graph_);
    InpaintGraphBuilder builder(b, registry_, [this](DeltaBuilder& edit, const NodeDecl& decl, double x, double y) -> Node& {
        return stageNode(edit, decl, x, y);
    });
    builder.build(findInpaintRoles(graph_, loadImageNode), maskFile.toStdString(), InpaintOptions::fromVariant(options));
    commit(b, tr("Set up inpainting"));  // nothing to do when the graph is already as asked
    return true;
}

qint64 GraphDocument::loadImageFor(const QString& imagePathOrUrl) {
    const QString name = importImage(imagePathOrUrl);
    if (name.isEmpty()) return -1;
    std::vector<NodeId> loads, everything;
    for (const auto& [id, node] : graph_.nodes()) {
        if (node.type == "LoadImage") loads.push_back(id);
        everything.push_back(id);
    }
    const QRectF all = nodesRect(graph_, everything, registry_);  // a new LoadImage goes below everything
    DeltaBuilder b(graph_);
    NodeId id;
    if (loads.size() == 1 && feedsImageChain(graph_, loads.front())) {
        id = loads.front();
        b.editNode(id)->widgets["image"] = Value(name.toStdString());
    } else {
        Node& load = stageNode(b, *registry_.find("LoadImage"), all.left(), all.isNull() ? 0 : all.bottom() + 60);
        load.widgets["image"] = Value(name.toStdString());
        id = load.id;
    }
    commit(b, tr("Load %1").arg(name));
    return id;
}

}  // namespace tessera::editor
