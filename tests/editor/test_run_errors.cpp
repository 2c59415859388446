// A run that fails in a node (here: refused for memory) costs the editor nothing: the graph, the
// outputs of earlier runs and the runs queued behind it all stay, and the queue goes on.
#include "app/editor/graph_document.h"
#include "app/editor/node_list_model.h"
#include "app/editor/output_history.h"
#include "app/editor/preview_store.h"
#include "app/editor/run_controller.h"
#include "core/exec/memory_budget.h"
#include "tests/editor/editor_test_support.h"
#include "tests/support/refdata.h"

#include <QCoreApplication>
#include <QImage>
#include <QSignalSpy>

#include <cstdlib>
#include <filesystem>

using namespace tessera;
using namespace tessera::editor;
using namespace tessera::editor::test;

namespace {

// A temporary folder with input/pic.png (16x16), for the graph scaleGraph() builds.
std::string folderWithAPicture(const std::string& name) {
    const std::string root = tessera::test::makeTempDir(name);
    std::filesystem::create_directories(root + "/input");
    QImage(16, 16, QImage::Format_RGB888).save(QString::fromStdString(root + "/input/pic.png"));
    return root;
}

Environment folderEnvironment(const std::string& root) {
    Environment env;
    env.inputDir = root + "/input";
    env.outputDir = root + "/output";
    env.tempDir = root + "/temp";
    return env;
}

// LoadImage(pic.png) -> ImageScale -> SaveImage; the ImageScale node's id.
qint64 scaleGraph(GraphDocument& doc) {
    const qint64 load = doc.addNode("LoadImage", 0, 0), scale = doc.addNode("ImageScale", 300, 0),
                 save = doc.addNode("SaveImage", 600, 0);
    EXPECT_TRUE(doc.setWidgetValue(load, "image", "pic.png"));
    TextToImage::link(doc, load, 0, scale, "image");
    TextToImage::link(doc, scale, 0, save, "images");
    return scale;
}

}  // namespace

TEST(RunErrors, ANodeRefusedForMemoryKeepsTheGraphTheOutputsAndTheQueue) {
    const auto app = coreApplicationIfNone();

    const std::string root = folderWithAPicture("run-errors");
    GraphDocument doc(builtinRegistry());
    doc.setInputDir(QString::fromStdString(root + "/input"));
    NodeListModel nodes(&doc);
    PreviewStore previews;
    OutputHistory history;
    RunController runs(&doc, &nodes, &previews);
    runs.setOutputHistory(&history);
    runs.setEnvironment(folderEnvironment(root));

    const qint64 scale = scaleGraph(doc);
    ASSERT_FALSE(HasFailure());
    ASSERT_TRUE(doc.setWidgetValue(scale, "width", 64));
    ASSERT_TRUE(doc.setWidgetValue(scale, "height", 64));

    QSignalSpy finished(&runs, &RunController::runFinished), failed(&runs, &RunController::nodeFailed);
    auto waitForRuns = [&](int count) {
        while (finished.count() < count)
            if (!finished.wait(60000)) break;
    };
    runs.run();
    waitForRuns(1);
    ASSERT_EQ(finished.count(), 1);
    ASSERT_TRUE(finished.at(0).at(1).toBool()) << str(finished.at(0).at(2).toString());
    EXPECT_EQ(history.rowCount(), 1);

    setMemoryLimitForTesting(uint64_t(256) << 20);
    ASSERT_TRUE(doc.setWidgetValue(scale, "width", 8000));
    ASSERT_TRUE(doc.setWidgetValue(scale, "height", 8000));
    runs.run();  // refused
    ASSERT_TRUE(doc.setWidgetValue(scale, "width", 32));
    ASSERT_TRUE(doc.setWidgetValue(scale, "height", 32));
    runs.run();  // queued behind it
    EXPECT_EQ(runs.queue().size(), 2);
    waitForRuns(3);
    setMemoryLimitForTesting(std::nullopt);
    ASSERT_EQ(finished.count(), 3);

    EXPECT_FALSE(finished.at(1).at(1).toBool());
    const std::string expected = "ImageScale #2: needs about 2.1 GiB for resizing to 8000x8000 (batch 1), but only "
                                 "256.0 MiB is available (the memory limit set for this run); use a smaller size or batch";
    EXPECT_EQ(str(finished.at(1).at(2).toString()), expected);
    ASSERT_EQ(failed.count(), 1);
    EXPECT_EQ(failed.at(0).at(0).toLongLong(), scale);
    EXPECT_EQ(str(failed.at(0).at(1).toString()), expected);
    EXPECT_EQ(str(runs.status()).rfind("Finished", 0), 0u) << str(runs.status());

    EXPECT_TRUE(finished.at(2).at(1).toBool()) << str(finished.at(2).at(2).toString());
    EXPECT_EQ(history.rowCount(), 2);  // the first run's image and the third's
    EXPECT_TRUE(runs.queue().isEmpty());
    EXPECT_EQ(nodes.rowCount(), 3);
    EXPECT_EQ(doc.graph().node(scale)->widgets.at("width").toInt(), 32);
    std::filesystem::remove_all(root);
}

TEST(RunErrors, WhatANodeTellsTheUserShowsUnderItUntilTheNextRun) {
    const auto app = coreApplicationIfNone();

    const std::string root = tessera::test::makeTempDir("run-notes");
    std::filesystem::create_directories(root + "/input");
    std::filesystem::create_directories(root + "/models/checkpoints");
    std::filesystem::create_symlink(tessera::test::refdataPath("models/tiny-sd15.safetensors"),
                                    root + "/models/checkpoints/tiny-sd15.safetensors");
    ::setenv("TESSERA_CLIP_VOCAB", tessera::test::refdataPath("bpe_simple_vocab_16e6.txt.gz").c_str(), 1);
    QImage(21, 13, QImage::Format_RGB888).save(QString::fromStdString(root + "/input/odd.png"));
    QImage(24, 16, QImage::Format_RGB888).save(QString::fromStdString(root + "/input/whole.png"));

    GraphDocument doc(builtinRegistry());
    doc.setInputDir(QString::fromStdString(root + "/input"));
    NodeListModel nodes(&doc);
    PreviewStore previews;
    RunController runs(&doc, &nodes, &previews);
    Environment env = folderEnvironment(root);
    env.modelDirs = {root + "/models"};
    runs.setEnvironment(env);

    // LoadImage -> VAEEncode -> VAEDecode -> SaveImage on the tiny checkpoint.
    const qint64 ckpt = doc.addNode("CheckpointLoaderSimple", 0, 0), load = doc.addNode("LoadImage", 0, 300),
                 encode = doc.addNode("VAEEncode", 300, 0), decode = doc.addNode("VAEDecode", 600, 0),
                 save = doc.addNode("SaveImage", 900, 0);
    ASSERT_TRUE(doc.setWidgetValue(ckpt, "ckpt_name", "tiny-sd15.safetensors"));
    ASSERT_TRUE(doc.setWidgetValue(load, "image", "odd.png"));
    TextToImage::link(doc, load, 0, encode, "pixels");
    TextToImage::link(doc, ckpt, 2, encode, "vae");
    TextToImage::link(doc, encode, 0, decode, "samples");
    TextToImage::link(doc, ckpt, 2, decode, "vae");
    TextToImage::link(doc, decode, 0, save, "images");
    ASSERT_FALSE(HasFailure());

    QSignalSpy finished(&runs, &RunController::runFinished), noted(&runs, &RunController::nodeNote);
    auto runOnce = [&] {
        const int before = finished.count();
        runs.run();
        while (finished.count() == before)
            if (!finished.wait(60000)) break;
        ASSERT_EQ(finished.count(), before + 1);
        ASSERT_TRUE(finished.back().at(1).toBool()) << str(finished.back().at(2).toString());
    };
    auto notesOf = [&](qint64 id) { return nodes.data(nodes.index(nodes.rowOf(id)), NodeListModel::RunNotesRole).toStringList(); };
    const QString want = "the image is 21x13 pixels and the VAE takes multiples of 8: its centre 16x8 was used, as ComfyUI does";

    runOnce();
    ASSERT_EQ(noted.count(), 1);
    EXPECT_EQ(noted.at(0).at(0).toLongLong(), encode);
    EXPECT_EQ(str(noted.at(0).at(1).toString()), str(want));
    EXPECT_EQ(notesOf(encode), QStringList{want});
    EXPECT_TRUE(notesOf(decode).isEmpty());
    EXPECT_EQ(nodes.get(nodes.rowOf(encode)).value("runNotes").toStringList(), QStringList{want});

    ASSERT_TRUE(doc.setWidgetValue(load, "image", "whole.png"));
    runOnce();
    EXPECT_EQ(noted.count(), 1);
    EXPECT_TRUE(notesOf(encode).isEmpty()) << "a new run clears the last run's notes";
    std::filesystem::remove_all(root);
}

TEST(RunErrors, FreeMemoryEmptiesTheOutputCacheAndTheNextRunStillWorks) {
    const auto app = coreApplicationIfNone();

    const std::string root = folderWithAPicture("free-memory");
    GraphDocument doc(builtinRegistry());
    NodeListModel nodes(&doc);
    PreviewStore previews;
    RunController runs(&doc, &nodes, &previews);
    runs.setEnvironment(folderEnvironment(root));
    scaleGraph(doc);
    ASSERT_FALSE(HasFailure());

    QSignalSpy finished(&runs, &RunController::runFinished);
    EXPECT_EQ(runs.cachedOutputBytes(), 0.0);
    runs.run();
    ASSERT_TRUE(finished.wait(60000));
    ASSERT_TRUE(finished.at(0).at(1).toBool()) << str(finished.at(0).at(2).toString());
    EXPECT_GT(runs.cachedOutputBytes(), 0.0);  // the loaded and the scaled image

    runs.freeMemory();
    EXPECT_EQ(runs.cachedOutputBytes(), 0.0);
    runs.run();
    ASSERT_TRUE(finished.wait(60000));
    EXPECT_TRUE(finished.at(1).at(1).toBool()) << str(finished.at(1).at(2).toString());
    EXPECT_GT(runs.cachedOutputBytes(), 0.0);
    std::filesystem::remove_all(root);
}
