#include "app/editor/output_history.h"

#include "editor_test_support.h"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QUrl>

using namespace tessera;
using namespace tessera::editor;
using namespace tessera::editor::test;

namespace {
OutputHistory::Entry entry(const QString& file, qint64 node, int run, const QString& input = {}) {
    return {QUrl::fromLocalFile("/out/" + file).toString(), node, QStringLiteral("Save %1").arg(node), run, input};
}
}  // namespace

TEST(OutputHistory, NewestFirstWithRolesByName) {
    OutputHistory history;
    QAbstractItemModelTester tester(&history, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QSignalSpy inserted(&history, &QAbstractItemModel::rowsInserted), count(&history, &OutputHistory::countChanged);
    history.add(entry("a.png", 7, 1));
    history.add(entry("b.png", 9, 2));
    ASSERT_EQ(history.rowCount(), 2);
    EXPECT_EQ(inserted.count(), 2);
    EXPECT_EQ(inserted[1][1].toInt(), 0);  // each new image is inserted at the top
    EXPECT_EQ(count.count(), 2);
    const QVariantMap top = history.get(0);
    EXPECT_EQ(top["fileUrl"].toString(), "file:///out/b.png");
    EXPECT_EQ(top["filePath"].toString(), "/out/b.png");
    EXPECT_EQ(top["fileName"].toString(), "b.png");
    EXPECT_EQ(top["nodeId"].toLongLong(), 9);
    EXPECT_EQ(top["nodeTitle"].toString(), "Save 9");
    EXPECT_EQ(top["runId"].toInt(), 2);
    EXPECT_EQ(history.get(1)["fileName"].toString(), "a.png");
    EXPECT_TRUE(history.get(2).isEmpty());
    EXPECT_EQ(history.rowOfUrl("file:///out/a.png"), 1);
    EXPECT_EQ(history.rowOfUrl("file:///out/zzz.png"), -1);
}

TEST(OutputHistory, BeforeIsThePreviousOutputOfTheSameNodeElseTheInputImage) {
    OutputHistory history;
    const QString input = "file:///in/photo.png";
    history.add(entry("n7-run1.png", 7, 1, input));
    history.add(entry("n8-run1.png", 8, 1, input));
    history.add(entry("n7-run2.png", 7, 2, input));
    history.add(entry("n8-run3.png", 8, 3));  // a later graph without LoadImage
    // rows: 0 n8-run3, 1 n7-run2, 2 n8-run1, 3 n7-run1
    QVariantMap before = history.beforeFor(1);
    EXPECT_EQ(before["fileUrl"].toString(), "file:///out/n7-run1.png");
    EXPECT_EQ(before["row"].toInt(), 3);
    EXPECT_EQ(before["label"].toString(), "Run #1");
    before = history.beforeFor(0);
    EXPECT_EQ(before["fileUrl"].toString(), "file:///out/n8-run1.png");
    EXPECT_EQ(before["row"].toInt(), 2);
    // The first output of a node is compared with the run's input image.
    before = history.beforeFor(3);
    EXPECT_EQ(before["fileUrl"].toString(), input);
    EXPECT_EQ(before["row"].toInt(), -1);
    EXPECT_EQ(before["label"].toString(), "Input image");
    EXPECT_TRUE(history.beforeFor(4).isEmpty());
    EXPECT_TRUE(history.beforeFor(-1).isEmpty());

    OutputHistory lone;
    lone.add(entry("x.png", 1, 1));
    EXPECT_TRUE(lone.beforeFor(0).isEmpty()) << "no earlier output and no input image: nothing to compare";
}

TEST(OutputHistory, DropsTheOldestBeyondTheLimitAndClears) {
    OutputHistory history;
    QAbstractItemModelTester tester(&history, QAbstractItemModelTester::FailureReportingMode::Fatal);
    history.setLimit(3);
    for (int i = 1; i <= 5; ++i) history.add(entry(QStringLiteral("%1.png").arg(i), 1, i));
    ASSERT_EQ(history.rowCount(), 3);
    EXPECT_EQ(history.get(0)["fileName"].toString(), "5.png");
    EXPECT_EQ(history.get(2)["fileName"].toString(), "3.png");
    QSignalSpy count(&history, &OutputHistory::countChanged);
    history.clear();
    EXPECT_EQ(history.rowCount(), 0);
    EXPECT_EQ(count.count(), 1);
}

TEST(OutputHistory, InputImageIsTheFirstUnmutedLoadImageThatExists) {
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    QFile file(dir.filePath("photo.png"));
    ASSERT_TRUE(file.open(QIODevice::WriteOnly));
    file.write("x");
    file.close();

    GraphDocument doc(builtinRegistry());
    EXPECT_EQ(OutputHistory::inputImageUrl(doc.graph(), dir.path()), "");
    const qint64 missing = doc.addNode("LoadImage", 0, 0);
    const qint64 load = doc.addNode("LoadImage", 0, 300);
    // The image widget is a COMBO of the input folder's files: set the values on a copy of the graph.
    Graph graph = doc.graph();
    graph.node(missing)->widgets["image"] = Value(std::string("not-there.png"));
    graph.node(load)->widgets["image"] = Value(std::string("photo.png"));
    EXPECT_EQ(OutputHistory::inputImageUrl(graph, dir.path()), QUrl::fromLocalFile(dir.filePath("photo.png")).toString());
    graph.node(load)->muted = true;
    EXPECT_EQ(OutputHistory::inputImageUrl(graph, dir.path()), "");
}
