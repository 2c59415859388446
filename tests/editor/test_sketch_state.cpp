// The sketch editor's side of GraphDocument: sketchState names the picture to draw over and a new
// sketch file, applySketch sets the drawn file on the PaintedSketch in one undo step.
#include "app/editor/graph_document.h"
#include "core/io/bundle.h"
#include "core/io/comfyui_import.h"

#include "editor_test_support.h"
#include "tests/support/refdata.h"

#include <QDir>
#include <QImage>
#include <QJsonDocument>
#include <QJsonObject>

using namespace tessera;
using namespace tessera::editor;
using namespace tessera::editor::test;

namespace {

std::string sketchWidget(const GraphDocument& doc, qint64 node, const std::string& name) {
    const auto& widgets = doc.graph().node(node)->widgets;
    return widgets.count(name) ? widgets.at(name).toString() : std::string();
}

}  // namespace

TEST(SketchState, NamesTheSourcePictureAndANewSketchFile) {
    const QString input = QString::fromStdString(tessera::test::makeTempDir("sketch-state"));
    ASSERT_TRUE(QImage(24, 16, QImage::Format_RGB888).save(input + "/pic.png"));
    GraphDocument doc(builtinRegistry());
    doc.setInputDir(input);
    const qint64 load = doc.addNode("LoadImage", 0, 0), sketch = doc.addNode("PaintedSketch", 300, 0);
    ASSERT_TRUE(doc.setWidgetValue(load, "image", "pic.png")) << doc.lastError().toStdString();

    ASSERT_TRUE(doc.setWidgetValue(sketch, "sketch_file", "pic.png"));  // a picture, not a sketch: not reused
    QVariantMap state = doc.sketchState(sketch);  // nothing connected: a blank canvas
    EXPECT_EQ(state["imagePath"].toString(), "");
    EXPECT_EQ(state["sketchFile"].toString(), "sketch.png");
    EXPECT_EQ(state["background"].toString(), "black");
    EXPECT_EQ(state["lineColor"].toString(), "#ffffff");

    ASSERT_TRUE(doc.connectPorts(load, 0, sketch, "image"));
    state = doc.sketchState(sketch);
    EXPECT_EQ(state["imagePath"].toString(), QDir(input).absoluteFilePath("pic.png"));
    EXPECT_EQ(state["sketchFile"].toString(), "pic_sketch.png");
    EXPECT_EQ(state["sketchPath"].toString(), QDir(input).absoluteFilePath("pic_sketch.png"));

    EXPECT_FALSE(doc.applySketch(sketch, "pic_sketch.png"));  // not saved yet
    EXPECT_TRUE(doc.lastError().contains("'pic_sketch.png' is not in the input folder")) << doc.lastError().toStdString();
    ASSERT_TRUE(QImage(24, 16, QImage::Format_Grayscale8).save(input + "/pic_sketch.png"));
    const QString before = QString::fromStdString(sketchWidget(doc, sketch, "sketch_file"));
    ASSERT_TRUE(doc.applySketch(sketch, "pic_sketch.png", "#ff0000", "image")) << doc.lastError().toStdString();
    EXPECT_EQ(sketchWidget(doc, sketch, "sketch_file"), "pic_sketch.png");
    EXPECT_EQ(sketchWidget(doc, sketch, "line_color"), "#ff0000");
    EXPECT_EQ(sketchWidget(doc, sketch, "background"), "image");
    EXPECT_EQ(doc.sketchState(sketch)["sketchFile"].toString(), "pic_sketch.png");  // reopens the drawn file
    // Saved in a .tessera bundle with the sketch file beside the picture.
    ASSERT_TRUE(doc.saveAs(input + "/sketched.tessera")) << doc.lastError().toStdString();
    const Bundle bundle = loadBundle(input + "/sketched.tessera", &builtinRegistry());
    EXPECT_EQ(bundle.files.count("pic_sketch.png"), 1u);
    EXPECT_EQ(bundle.files.count("pic.png"), 1u);
    // Exported to ComfyUI as itself: a node type ComfyUI does not have, so clearly Tessera's.
    const QJsonObject prompt = QJsonDocument::fromJson(graphToComfyPrompt(doc.graph(), builtinRegistry())).object();
    const QJsonObject exported = prompt.value(QString::number(sketch)).toObject();
    EXPECT_EQ(exported.value("class_type").toString(), "PaintedSketch");
    EXPECT_EQ(exported.value("inputs").toObject().value("sketch_file").toString(), "pic_sketch.png");
    EXPECT_EQ(exported.value("inputs").toObject().value("background").toString(), "image");
    doc.undo();  // one step
    EXPECT_EQ(QString::fromStdString(sketchWidget(doc, sketch, "sketch_file")), before);
    EXPECT_EQ(sketchWidget(doc, sketch, "line_color"), "#ffffff");
    EXPECT_EQ(sketchWidget(doc, sketch, "background"), "black");

    EXPECT_TRUE(doc.sketchState(load).isEmpty());
    EXPECT_TRUE(doc.lastError().contains("is not a Painted Sketch node")) << doc.lastError().toStdString();
}
