#include "app/editor/graph_document.h"
#include "app/editor/link_list_model.h"
#include "app/editor/node_list_model.h"

#include "editor_test_support.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>

using namespace tessera;
using namespace tessera::editor;
using namespace tessera::editor::test;

namespace {

QVariantMap inputNamed(const NodeListModel& model, int row, const QString& name) {
    for (const QVariant& v : model.get(row)["inputs"].toList())
        if (v.toMap()["name"] == name) return v.toMap();
    return {};
}

}  // namespace

TEST(NodeListModel, RowsFollowAddRemoveUndoWithMinimalSignals) {
    GraphDocument doc(builtinRegistry());
    NodeListModel model(&doc);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted), removed(&model, &QAbstractItemModel::rowsRemoved),
        changed(&model, &QAbstractItemModel::dataChanged), reset(&model, &QAbstractItemModel::modelReset);

    const qint64 a = doc.addNode("KSampler", 0, 0);
    const qint64 b = doc.addNode("VAEDecode", 300, 0);
    EXPECT_EQ(model.rowCount(), 2);
    EXPECT_EQ(inserted.count(), 2);
    EXPECT_EQ(model.rowOf(b), 1);
    EXPECT_EQ(model.get(0)["title"].toString(), "KSampler");
    EXPECT_EQ(model.get(1)["title"].toString(), "VAE Decode");
    EXPECT_EQ(model.get(0)["category"].toString(), "sampling");

    changed.clear();
    doc.moveNodes(ids({b}), 10, 0);
    ASSERT_EQ(changed.count(), 1);
    EXPECT_EQ(changed[0][0].toModelIndex().row(), 1);
    EXPECT_EQ(changed[0][2].value<QList<int>>(),
              (QList<int>{NodeListModel::XRole, NodeListModel::YRole, NodeListModel::WidthRole, NodeListModel::HeightRole,
                          NodeListModel::RectRole}));
    EXPECT_EQ(model.get(1)["x"].toDouble(), 310);
    // VAE Decode: header + two input rows + bottom padding, default width.
    EXPECT_EQ(model.get(1)["rect"].toRectF(), QRectF(310, 0, 240, 30 + 2 * 24 + 8));

    doc.removeNodes(ids({a}));
    EXPECT_EQ(removed.count(), 1);
    EXPECT_EQ(model.rowCount(), 1);
    EXPECT_EQ(model.rowOf(b), 0);
    EXPECT_EQ(model.rowOf(a), -1);
    doc.undo();
    EXPECT_EQ(model.rowCount(), 2);
    EXPECT_EQ(model.rowOf(a), 1);  // back at the end: rows are in insertion order
    EXPECT_EQ(model.get(1)["nodeId"].toLongLong(), a);

    doc.newGraph();
    EXPECT_EQ(reset.count(), 1);
    EXPECT_EQ(model.rowCount(), 0);
}

TEST(NodeListModel, InputsRoleDescribesWidgetsAndPorts) {
    GraphDocument doc(editorRegistry());
    NodeListModel model(&doc);
    const qint64 s = doc.addNode("KSampler", 0, 0);
    const qint64 src = doc.addNode("TestInt", 0, 0);
    const QVariantList inputs = model.get(0)["inputs"].toList();
    ASSERT_EQ(inputs.size(), 10);
    EXPECT_EQ(inputs[0].toMap()["name"], "model");
    EXPECT_EQ(inputs[0].toMap()["isWidget"], false);
    EXPECT_EQ(inputs[0].toMap()["asInput"], true);
    EXPECT_EQ(inputs[0].toMap()["connected"], false);
    const QVariantMap seed = inputs[1].toMap();
    EXPECT_EQ(seed["name"], "seed");
    EXPECT_EQ(seed["isWidget"], true);
    EXPECT_EQ(seed["asInput"], false);
    EXPECT_EQ(seed["controlAfterGenerate"], "randomize");
    const QVariantMap steps = inputNamed(model, 0, "steps");
    EXPECT_EQ(steps["value"].toLongLong(), 20);
    EXPECT_EQ(steps["min"].toDouble(), 1);
    EXPECT_EQ(steps["max"].toDouble(), 10000);
    EXPECT_GT(inputNamed(model, 0, "sampler_name")["choices"].toStringList().size(), 3);
    EXPECT_EQ(model.get(0)["outputs"].toList()[0].toMap()["type"], "LATENT");

    ASSERT_TRUE(doc.connectPorts(src, 0, s, "steps"));
    EXPECT_EQ(inputNamed(model, 0, "steps")["asInput"], true);
    EXPECT_EQ(inputNamed(model, 0, "steps")["connected"], true);
}

TEST(NodeListModel, SelectionAndBoundingRect) {
    GraphDocument doc(builtinRegistry());
    NodeListModel model(&doc);
    const qint64 a = doc.addNode("VAEDecode", 0, 0);
    const qint64 b = doc.addNode("VAEDecode", 1000, 500);
    QSignalSpy spy(&model, &NodeListModel::selectionChanged);
    model.selectInRect(-10, -10, 50, 50);
    EXPECT_EQ(model.selection(), ids({a}));
    model.select(b, true);
    EXPECT_EQ(model.selection(), ids({a, b}));
    EXPECT_TRUE(model.get(1)["selected"].toBool());
    model.select(b);
    EXPECT_EQ(model.selection(), ids({b}));
    doc.removeNodes(ids({b}));
    EXPECT_TRUE(model.selection().isEmpty());
    EXPECT_EQ(spy.count(), 4);

    doc.undo();
    // VAEDecode: two input ports, one output, no widgets.
    const QSizeF size = NodeListModel::estimatedSize(2, 1, 0, 0);
    EXPECT_EQ(size.width(), NodeListModel::kDefaultWidth);
    EXPECT_EQ(size.height(), NodeListModel::kHeaderHeight + 2 * NodeListModel::kRowHeight + NodeListModel::kBottomPadding);
    const QVariantMap box = model.boundingRect();
    EXPECT_EQ(box["x"].toDouble(), 0);
    EXPECT_EQ(box["width"].toDouble(), 1000 + size.width());
    EXPECT_EQ(box["height"].toDouble(), 500 + size.height());
}

TEST(NodeListModel, RunStateChangesOneRow) {
    GraphDocument doc(builtinRegistry());
    NodeListModel model(&doc);
    doc.addNode("VAEDecode", 0, 0);
    const qint64 b = doc.addNode("VAEDecode", 0, 0);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.setRunState(b, "running", 0.5);
    ASSERT_EQ(changed.count(), 1);
    EXPECT_EQ(changed[0][0].toModelIndex().row(), 1);
    EXPECT_EQ(model.get(1)["state"], "running");
    EXPECT_EQ(model.get(1)["progress"].toDouble(), 0.5);
    model.addOutputImage(b, "file:///tmp/a.png");
    EXPECT_EQ(model.get(1)["outputImages"].toStringList(), QStringList{"file:///tmp/a.png"});
    model.resetRunState();
    EXPECT_EQ(model.get(1)["state"], "idle");
    EXPECT_TRUE(model.get(1)["outputImages"].toStringList().isEmpty());
}

TEST(LinkListModel, ToSlotCountsOnlyInputPorts) {
    GraphDocument doc(editorRegistry());
    LinkListModel links(&doc);
    QAbstractItemModelTester tester(&links, QAbstractItemModelTester::FailureReportingMode::Fatal);
    TextToImage g(doc);
    ASSERT_EQ(links.rowCount(), 9);
    auto linkInto = [&](qint64 node, const QString& input) {
        for (int r = 0; r < links.rowCount(); ++r)
            if (links.get(r)["toNode"].toLongLong() == node && links.get(r)["toInput"] == input) return links.get(r);
        return QVariantMap();
    };
    // KSampler's ports: model, positive, negative, latent_image (widgets in between are not ports).
    EXPECT_EQ(linkInto(g.sampler, "model")["toSlot"].toInt(), 0);
    EXPECT_EQ(linkInto(g.sampler, "positive")["toSlot"].toInt(), 1);
    EXPECT_EQ(linkInto(g.sampler, "negative")["toSlot"].toInt(), 2);
    EXPECT_EQ(linkInto(g.sampler, "latent_image")["toSlot"].toInt(), 3);
    EXPECT_EQ(linkInto(g.sampler, "latent_image")["type"], "LATENT");
    EXPECT_EQ(linkInto(g.sampler, "latent_image")["fromNode"].toLongLong(), g.latent);

    // Turning seed (declared before positive) into an input shifts the ports after it.
    QSignalSpy changed(&links, &QAbstractItemModel::dataChanged);
    doc.setWidgetAsInput(g.sampler, "seed", true);
    EXPECT_EQ(linkInto(g.sampler, "model")["toSlot"].toInt(), 0);
    EXPECT_EQ(linkInto(g.sampler, "positive")["toSlot"].toInt(), 2);
    EXPECT_EQ(linkInto(g.sampler, "latent_image")["toSlot"].toInt(), 4);
    EXPECT_EQ(changed.count(), 3);
    const qint64 src = doc.addNode("TestInt", 0, 0);
    ASSERT_TRUE(doc.connectPorts(src, 0, g.sampler, "seed"));
    EXPECT_EQ(linkInto(g.sampler, "seed")["toSlot"].toInt(), 1);

    QSignalSpy removed(&links, &QAbstractItemModel::rowsRemoved), inserted(&links, &QAbstractItemModel::rowsInserted);
    doc.removeNodes(ids({g.sampler}));
    EXPECT_EQ(links.rowCount(), 4);  // checkpoint -> both prompts and the decoder's vae, decode -> save
    doc.undo();
    EXPECT_EQ(links.rowCount(), 10);
    EXPECT_GE(inserted.count(), 1);
    EXPECT_GE(removed.count(), 1);
}
