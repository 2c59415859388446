#include "app/editor/graph_document.h"

#include "editor_test_support.h"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QUrl>

using namespace tessera;
using namespace tessera::editor;
using namespace tessera::editor::test;

namespace {

void writeImage(const QString& path) {
    QImage img(4, 4, QImage::Format_RGB32);
    img.fill(Qt::red);
    ASSERT_TRUE(img.save(path, "PNG"));
}

}  // namespace

TEST(DocumentFiles, SaveAndOpenABundleWithItsInputImage) {
    QTemporaryDir tmp;
    ASSERT_TRUE(tmp.isValid());
    QDir(tmp.path()).mkdir("in");
    writeImage(tmp.filePath("in/photo.png"));

    GraphDocument doc(builtinRegistry());
    doc.setInputDir(tmp.filePath("in"));
    const qint64 load = doc.addNode("LoadImage", 0, 0);
    ASSERT_TRUE(doc.setWidgetValue(load, "image", "photo.png"));
    const qint64 save = doc.addNode("PreviewImage", 300, 0);
    ASSERT_TRUE(doc.connectPorts(load, 0, save, "images"));
    doc.setWidgetAsInput(doc.addNode("KSampler", 0, 300), "seed", true);
    EXPECT_TRUE(doc.modified());
    EXPECT_EQ(str(doc.displayName()), "Untitled");
    EXPECT_FALSE(doc.save());  // no file yet

    QSignalSpy pathSpy(&doc, &GraphDocument::filePathChanged);
    const QString url = QUrl::fromLocalFile(tmp.filePath("scene")).toString();  // no suffix: .tessera added
    ASSERT_TRUE(doc.saveAs(url)) << str(doc.lastError());
    EXPECT_EQ(doc.filePath(), tmp.filePath("scene.tessera"));
    EXPECT_EQ(str(doc.displayName()), "scene.tessera");
    EXPECT_FALSE(doc.modified());
    EXPECT_EQ(pathSpy.count(), 1);

    GraphDocument other(builtinRegistry());
    ASSERT_TRUE(other.open(QUrl::fromLocalFile(doc.filePath()).toString())) << str(other.lastError());
    EXPECT_FALSE(other.modified());
    EXPECT_FALSE(other.canUndo());
    EXPECT_EQ(other.filePath(), doc.filePath());
    ASSERT_EQ(other.graph().nodes().size(), 3u);
    EXPECT_EQ(other.graph().node(load)->widgets.at("image"), Value("photo.png"));
    EXPECT_EQ(other.graph().links().size(), 1u);
    EXPECT_TRUE(other.graph().node(3)->widgetInputs.count("seed"));
    // The bundle's image was extracted where LoadImage looks.
    EXPECT_NE(other.inputDir(), tmp.filePath("in"));
    EXPECT_TRUE(QFile::exists(QDir(other.inputDir()).filePath("photo.png")));

    other.moveNodes(ids({load}), 10, 0);
    EXPECT_TRUE(other.modified());
    ASSERT_TRUE(other.save()) << str(other.lastError());  // reads the image from the extract folder
    EXPECT_FALSE(other.modified());
    other.undo();
    EXPECT_TRUE(other.modified());
}

TEST(DocumentFiles, SaveAsJsonWritesGraphJson) {
    QTemporaryDir tmp;
    GraphDocument doc(builtinRegistry());
    doc.addNode("VAEDecode", 5, 6);
    ASSERT_TRUE(doc.saveAs(tmp.filePath("g.json"))) << str(doc.lastError());
    QFile f(tmp.filePath("g.json"));
    ASSERT_TRUE(f.open(QIODevice::ReadOnly));
    EXPECT_TRUE(f.readAll().contains("\"tessera-graph\""));
    GraphDocument other(builtinRegistry());
    ASSERT_TRUE(other.open(tmp.filePath("g.json")));
    EXPECT_EQ(other.graph().nodes().begin()->second.pos.x, 5);
    EXPECT_EQ(other.filePath(), tmp.filePath("g.json"));
}

TEST(DocumentFiles, SaveFailsWhenAnInputImageIsMissing) {
    QTemporaryDir tmp;
    GraphDocument doc(builtinRegistry());
    doc.setInputDir(tmp.path());
    const qint64 load = doc.addNode("LoadImage", 0, 0);
    ASSERT_TRUE(doc.setWidgetValue(load, "image", "gone.png"));
    EXPECT_FALSE(doc.saveAs(tmp.filePath("x.tessera")));
    EXPECT_NE(str(doc.lastError()).find("cannot save x.tessera"), std::string::npos) << str(doc.lastError());
    EXPECT_NE(str(doc.lastError()).find("gone.png"), std::string::npos) << str(doc.lastError());
    EXPECT_TRUE(doc.modified());
    EXPECT_TRUE(doc.filePath().isEmpty());
}

TEST(DocumentFiles, OpenFailureLeavesTheGraphUntouched) {
    QTemporaryDir tmp;
    GraphDocument doc(builtinRegistry());
    TextToImage g(doc);
    QSignalSpy reset(&doc, &GraphDocument::graphReset);
    QFile bad(tmp.filePath("broken.tessera"));
    ASSERT_TRUE(bad.open(QIODevice::WriteOnly));
    bad.write("PK\x03\x04 definitely not a zip");
    bad.close();

    EXPECT_FALSE(doc.open(tmp.filePath("broken.tessera")));
    EXPECT_EQ(str(doc.lastError()).rfind("cannot open broken.tessera: ", 0), 0u) << str(doc.lastError());
    EXPECT_FALSE(doc.open(tmp.filePath("missing.json")));
    EXPECT_NE(str(doc.lastError()).find("missing.json"), std::string::npos);
    EXPECT_EQ(doc.graph().nodes().size(), 7u);
    EXPECT_EQ(doc.graph().links().size(), 9u);
    EXPECT_TRUE(doc.canUndo());
    EXPECT_EQ(reset.count(), 0);
}

TEST(DocumentFiles, ImportedComfyUIWorkflowIsNotOverwrittenBySave) {
    QTemporaryDir tmp;
    QFile f(tmp.filePath("api.json"));
    ASSERT_TRUE(f.open(QIODevice::WriteOnly));
    f.write(R"({"8": {"class_type": "VAEDecode", "inputs": {}}})");
    f.close();
    GraphDocument doc(builtinRegistry());
    ASSERT_TRUE(doc.open(tmp.filePath("api.json"))) << str(doc.lastError());
    EXPECT_EQ(str(doc.displayName()), "api.json");
    EXPECT_TRUE(doc.filePath().isEmpty());
    EXPECT_FALSE(doc.save());
    doc.newGraph();
    EXPECT_TRUE(doc.graph().nodes().empty());
    EXPECT_EQ(str(doc.displayName()), "Untitled");
}

TEST(DocumentFiles, ExampleOpensAsATemplateThatSaveDoesNotOverwrite) {
    QTemporaryDir tmp;
    QDir(tmp.path()).mkdir("examples");
    const QString example = tmp.filePath("examples/img2img.tessera");
    {
        GraphDocument author(builtinRegistry());
        author.addNode("VAEDecode", 0, 0);
        ASSERT_TRUE(author.saveAs(example)) << str(author.lastError());
    }
    const QByteArray before = [&] { QFile f(example); f.open(QIODevice::ReadOnly); return f.readAll(); }();

    GraphDocument doc(builtinRegistry());
    doc.setTemplatesFolder(tmp.filePath("examples"));
    ASSERT_TRUE(doc.open(example)) << str(doc.lastError());
    EXPECT_EQ(doc.graph().nodes().size(), 1u);
    EXPECT_EQ(str(doc.displayName()), "img2img (example)");
    EXPECT_TRUE(doc.filePath().isEmpty());
    doc.addNode("VAEDecode", 300, 0);
    EXPECT_FALSE(doc.save());  // the caller falls back to Save As
    const QByteArray after = [&] { QFile f(example); f.open(QIODevice::ReadOnly); return f.readAll(); }();
    EXPECT_EQ(before, after);

    ASSERT_TRUE(doc.saveAs(tmp.filePath("mine.tessera")));
    EXPECT_EQ(str(doc.displayName()), "mine.tessera");
    EXPECT_TRUE(doc.save());
}

TEST(DocumentFiles, RecoveryCopyKeepsImagesAndReopensAsUnsavedWork) {
    QTemporaryDir tmp;
    QDir(tmp.path()).mkdir("in");
    writeImage(tmp.filePath("in/photo.png"));
    GraphDocument doc(builtinRegistry());
    doc.setInputDir(tmp.filePath("in"));
    const qint64 load = doc.addNode("LoadImage", 0, 0);
    ASSERT_TRUE(doc.setWidgetValue(load, "image", "photo.png"));
    const qint64 missing = doc.addNode("LoadImage", 0, 300);
    ASSERT_TRUE(doc.setWidgetValue(missing, "image", "gone.png"));  // left out, not a failure
    ASSERT_TRUE(doc.saveAs(tmp.filePath("work.tessera")) == false);  // a real save refuses the missing file
    ASSERT_TRUE(doc.writeRecoveryCopy(tmp.filePath("autosave.tessera"))) << str(doc.lastError());
    EXPECT_TRUE(doc.modified());
    EXPECT_TRUE(doc.canUndo());

    GraphDocument recovered(builtinRegistry());
    ASSERT_TRUE(recovered.openRecoveryCopy(tmp.filePath("autosave.tessera"))) << str(recovered.lastError());
    EXPECT_EQ(recovered.graph().nodes().size(), 2u);
    EXPECT_TRUE(QFile::exists(QDir(recovered.inputDir()).filePath("photo.png")));
    EXPECT_NE(QDir(recovered.inputDir()).absolutePath(), QDir(tmp.filePath("in")).absolutePath());
    EXPECT_TRUE(recovered.filePath().isEmpty());
    EXPECT_EQ(str(recovered.displayName()), "Recovered graph");
    EXPECT_TRUE(recovered.modified());
    EXPECT_FALSE(recovered.save());
}

TEST(DocumentFiles, ExportForComfyUIWritesAWorkflowOrAPromptAndLeavesTheDocumentAlone) {
    QTemporaryDir tmp;
    GraphDocument doc(builtinRegistry());
    TextToImage g(doc);
    const QString summary = doc.exportToComfyUI(QUrl::fromLocalFile(tmp.filePath("flow")).toString(), false);
    EXPECT_EQ(str(summary), "Exported flow.json as a ComfyUI workflow") << str(doc.lastError());
    EXPECT_EQ(str(doc.exportToComfyUI(tmp.filePath("api.json"), true)), "Exported api.json as a ComfyUI API prompt");
    EXPECT_TRUE(doc.filePath().isEmpty());
    EXPECT_TRUE(doc.modified());

    GraphDocument workflow(builtinRegistry());
    ASSERT_TRUE(workflow.open(tmp.filePath("flow.json"))) << str(workflow.lastError());
    EXPECT_EQ(workflow.graph().nodes().size(), 7u);
    EXPECT_EQ(workflow.graph().links().size(), 9u);
    EXPECT_TRUE(workflow.loadWarnings().isEmpty()) << str(workflow.loadWarnings().join("; "));
    GraphDocument prompt(builtinRegistry());
    ASSERT_TRUE(prompt.open(tmp.filePath("api.json"))) << str(prompt.lastError());
    EXPECT_EQ(prompt.graph().nodes().size(), 7u);
    EXPECT_EQ(prompt.graph().links().size(), 9u);

    EXPECT_TRUE(doc.exportToComfyUI(tmp.filePath("no/such/folder/x.json"), false).isEmpty());
    EXPECT_EQ(str(doc.lastError()).rfind("cannot export x.json: ", 0), 0u) << str(doc.lastError());
}
