// The sweep panel's model without a display: a graph opened with a saved sweep fills the fields,
// bad axes are explained without starting anything. (Running cells: tests/qml/tst_sweep_panel.qml.)
#include "app/editor/sweep_controller.h"
#include "core/io/graph_file.h"
#include "core/sweep/sweep.h"

#include "editor_test_support.h"

#include <QTemporaryDir>

using namespace tessera;
using namespace tessera::editor;
using namespace tessera::editor::test;

TEST(SweepController, AGraphWithASavedSweepFillsTheFields) {
    QTemporaryDir tmp;
    GraphDocument doc{builtinRegistry()};
    TextToImage graph(doc);
    Graph saved = doc.graph();
    saveSweep(saved, {"KSampler.denoise=0.3:0.9:0.15", "KSampler.cfg=4,7,10"});
    const QString path = tmp.filePath("swept.json");
    saveGraphJson(path, saved);

    SweepController sweep(&doc);
    EXPECT_TRUE(sweep.xWidget().isEmpty());
    ASSERT_TRUE(doc.open(path)) << doc.lastError().toStdString();
    EXPECT_EQ(sweep.xWidget(), "KSampler.denoise");
    EXPECT_EQ(sweep.xValues(), "0.3:0.9:0.15");
    EXPECT_EQ(sweep.yWidget(), "KSampler.cfg");
    EXPECT_EQ(sweep.yValues(), "4,7,10");
}

TEST(SweepController, BadAxesAreExplainedAndNothingStarts) {
    GraphDocument doc{builtinRegistry()};
    TextToImage graph(doc);
    SweepController sweep(&doc);
    sweep.setXWidget("KSampler.cfg");
    sweep.setXValues("4,,7");
    EXPECT_FALSE(sweep.start());
    EXPECT_FALSE(sweep.running());
    EXPECT_NE(sweep.status().toStdString().find("an empty value in '4,,7'"), std::string::npos) << sweep.status().toStdString();
    sweep.setXWidget("CLIPTextEncode.text");
    sweep.setXValues("a|b");
    EXPECT_FALSE(sweep.start());
    EXPECT_NE(sweep.status().toStdString().find("'CLIPTextEncode' matches several nodes (CLIPTextEncode #2, CLIPTextEncode #3)"),
              std::string::npos)
        << sweep.status().toStdString();
    EXPECT_TRUE(sweep.cells().isEmpty());
    EXPECT_FALSE(sweep.applyCell(0));
}

TEST(SweepController, StartingASweepSavesItWithTheDocumentInOneUndoStep) {
    QTemporaryDir tmp;
    GraphDocument doc{builtinRegistry()};
    TextToImage graph(doc);
    SweepController sweep(&doc);
    Environment env;
    env.outputDir = tmp.filePath("out").toStdString();  // no models: the cells fail, the sweep is saved anyway
    sweep.setEnvironment(env);
    sweep.setXWidget("KSampler.cfg");
    sweep.setXValues("4,7");
    sweep.setYWidget("KSampler.steps");
    sweep.setYValues("2:4:2");
    ASSERT_TRUE(sweep.start()) << sweep.status().toStdString();
    EXPECT_EQ(savedSweep(doc.graph()), (std::vector<std::string>{"KSampler.cfg=4,7", "KSampler.steps=2:4:2"}));
    EXPECT_EQ(sweep.columnLabels(), (QStringList{"4", "7"}));
    EXPECT_EQ(sweep.rowLabels(), (QStringList{"2", "4"}));
    ASSERT_EQ(sweep.cells().size(), 4);
    EXPECT_EQ(sweep.cells()[3].toMap()["label"].toString(), "KSampler.cfg=7, KSampler.steps=4");
    EXPECT_EQ(doc.undoText(), "Set the sweep");
    doc.undo();
    EXPECT_TRUE(savedSweep(doc.graph()).empty());
}
