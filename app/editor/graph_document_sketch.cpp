// GraphDocument's sketch editor support: what a PaintedSketch node's editor opens with, and the
// drawn file set on the node afterwards.
#include "app/editor/document_util.h"
#include "app/editor/graph_commands.h"
#include "app/editor/graph_document.h"
#include "app/editor/paint_layers.h"

#include <QDir>
#include <QFileInfo>
#include <QImageReader>

namespace tessera::editor {

namespace {

QString sketchWidgetText(const Node& n, const std::string& name) {
    const auto it = n.widgets.find(name);
    return it == n.widgets.end() ? QString() : q(it->second.toString());
}

// A file the sketch editor wrote: a greyscale image (black/white) or its marked RGBA PNG (colour).
// A new node's file widget defaults to the input folder's first picture, which is no sketch, and
// other pictures with alpha (cut-outs, colour sketches from elsewhere) are not drawn over.
bool isSketchFile(const QString& path) {
    QImageReader reader(path);
    const QImage::Format format = reader.imageFormat();
    return format == QImage::Format_Grayscale8 || format == QImage::Format_Grayscale16 ||
           reader.text(PaintLayers::kSketchPngKey) == PaintLayers::kSketchPngValue;
}

}  // namespace

QVariantMap GraphDocument::sketchState(qint64 sketchNode) const {
    const Node* n = graph_.node(sketchNode);
    if (!n || n->type != "PaintedSketch") {
        // lastError is the document's status line, not part of the graph: reporting is no edit.
        const_cast<GraphDocument*>(this)->fail(
            QString("#%1 is not a Painted Sketch node; choose the Painted Sketch to draw").arg(sketchNode));
        return {};
    }
    const QDir dir(effectiveInputDir());
    QString image;  // the picture drawn over: a LoadImage's feeding the node's `image`
    if (const Link* l = graph_.linkInto(sketchNode, "image"))
        if (const Node* source = graph_.node(l->fromNode); source && source->type == "LoadImage")
            image = sketchWidgetText(*source, "image");
    QString sketchFile = sketchWidgetText(*n, "sketch_file");
    if (sketchFile.isEmpty() || sketchFile == image || !QFileInfo(dir.filePath(sketchFile)).isFile() ||
        !isSketchFile(dir.filePath(sketchFile))) {
        const QString base = QFileInfo(image).completeBaseName().isEmpty() ? QString() : QFileInfo(image).completeBaseName() + "_";
        sketchFile = base + "sketch.png";
        for (int i = 2; dir.exists(sketchFile); ++i) sketchFile = base + QString("sketch_%1.png").arg(i);
    }
    return {{"imagePath", image.isEmpty() ? QString() : dir.absoluteFilePath(image)},
            {"sketchFile", sketchFile},
            {"sketchPath", dir.absoluteFilePath(sketchFile)},
            {"lineColor", sketchWidgetText(*n, "line_color")},
            {"background", sketchWidgetText(*n, "background")}};
}

bool GraphDocument::applySketch(qint64 sketchNode, const QString& sketchFile, const QString& lineColor,
                                const QString& background) {
    const Node* n = graph_.node(sketchNode);
    if (!n || n->type != "PaintedSketch")
        return fail(QString("cannot set the sketch: #%1 is not a Painted Sketch node").arg(sketchNode));
    const QDir dir(effectiveInputDir());
    if (sketchFile.isEmpty() || !QFileInfo(dir.filePath(sketchFile)).isFile())
        return fail(QString("cannot set the sketch: '%1' is not in the input folder %2; save the sketch first")
                        .arg(sketchFile, dir.path()));
    DeltaBuilder b(graph_);
    Node* edited = b.editNode(sketchNode);
    edited->widgets["sketch_file"] = Value(sketchFile.toStdString());
    if (!lineColor.isEmpty()) edited->widgets["line_color"] = Value(lineColor.toStdString());
    if (!background.isEmpty()) edited->widgets["background"] = Value(background.toStdString());
    commit(b, tr("Draw the sketch"));
    return true;
}

}  // namespace tessera::editor
