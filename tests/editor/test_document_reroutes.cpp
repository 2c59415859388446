#include "app/editor/graph_document.h"
#include "app/editor/link_list_model.h"

#include "editor_test_support.h"

#include <QAbstractItemModelTester>
#include <QPointF>
#include <QSignalSpy>
#include <QUndoStack>

using namespace tessera;
using namespace tessera::editor;
using namespace tessera::editor::test;

namespace {

std::vector<Point> reroutesInto(const GraphDocument& doc, qint64 node, const char* input) {
    const Link* l = doc.graph().linkInto(node, input);
    return l ? l->reroutes : std::vector<Point>{{-1, -1}};
}

}  // namespace

TEST(DocumentReroutes, AddAndRemoveAreUndoableAndInsertAtTheIndex) {
    GraphDocument doc(builtinRegistry());
    TextToImage g(doc);
    const LinkId vaeLink = doc.graph().linkInto(g.decode, "vae")->id;
    ASSERT_TRUE(doc.addReroute(g.decode, "vae", 0, 500, 300));
    EXPECT_EQ(str(doc.undoText()), "Add reroute");
    ASSERT_TRUE(doc.addReroute(g.decode, "vae", 1, 700, 300));
    ASSERT_TRUE(doc.addReroute(g.decode, "vae", 1, 600.5, 350));  // between the two
    EXPECT_EQ(reroutesInto(doc, g.decode, "vae"), (std::vector<Point>{{500, 300}, {600.5, 350}, {700, 300}}));
    EXPECT_EQ(doc.graph().linkInto(g.decode, "vae")->id, vaeLink);  // the same link, only redrawn

    ASSERT_TRUE(doc.removeReroute(g.decode, "vae", 0));
    EXPECT_EQ(reroutesInto(doc, g.decode, "vae"), (std::vector<Point>{{600.5, 350}, {700, 300}}));
    doc.undo();
    EXPECT_EQ(reroutesInto(doc, g.decode, "vae"), (std::vector<Point>{{500, 300}, {600.5, 350}, {700, 300}}));
    doc.undo();
    EXPECT_EQ(reroutesInto(doc, g.decode, "vae"), (std::vector<Point>{{500, 300}, {700, 300}}));
    doc.redo();
    doc.redo();
    EXPECT_EQ(reroutesInto(doc, g.decode, "vae"), (std::vector<Point>{{600.5, 350}, {700, 300}}));
    EXPECT_TRUE(reroutesInto(doc, g.sampler, "model").empty());  // other links untouched
}

TEST(DocumentReroutes, BadIndexOrMissingLinkIsRefusedAndChangesNothing) {
    GraphDocument doc(builtinRegistry());
    TextToImage g(doc);
    ASSERT_TRUE(doc.addReroute(g.decode, "vae", 0, 500, 300));
    const int steps = doc.undoStack()->count();
    EXPECT_FALSE(doc.addReroute(g.decode, "vae", 2, 1, 1));
    EXPECT_NE(str(doc.lastError()).find("has 1 reroute points; there is no point 2"), std::string::npos)
        << str(doc.lastError());
    EXPECT_FALSE(doc.moveReroute(g.decode, "vae", 1, 1, 1));
    EXPECT_FALSE(doc.removeReroute(g.decode, "vae", -1));
    EXPECT_FALSE(doc.addReroute(g.latent, "width", 0, 1, 1));
    EXPECT_NE(str(doc.lastError()).find("no link goes into 'width'"), std::string::npos) << str(doc.lastError());
    EXPECT_FALSE(doc.addReroute(g.decode, "vae", 0, std::nan(""), 1));
    EXPECT_EQ(doc.undoStack()->count(), steps);
    EXPECT_EQ(reroutesInto(doc, g.decode, "vae"), (std::vector<Point>{{500, 300}}));
}

TEST(DocumentReroutes, MovesOfOneDragMergeIntoOneUndoStep) {
    GraphDocument doc(builtinRegistry());
    TextToImage g(doc);
    ASSERT_TRUE(doc.addReroute(g.decode, "vae", 0, 500, 300));
    ASSERT_TRUE(doc.addReroute(g.decode, "vae", 1, 700, 300));
    const int steps = doc.undoStack()->count();
    ASSERT_TRUE(doc.moveReroute(g.decode, "vae", 1, 710, 305));
    ASSERT_TRUE(doc.moveReroute(g.decode, "vae", 1, 720, 310));
    ASSERT_TRUE(doc.moveReroute(g.decode, "vae", 1, 730.5, 315));
    EXPECT_EQ(doc.undoStack()->count(), steps + 1);
    EXPECT_EQ(str(doc.undoText()), "Move reroute");
    doc.finishMove();
    ASSERT_TRUE(doc.moveReroute(g.decode, "vae", 1, 800, 400));  // a new drag
    ASSERT_TRUE(doc.moveReroute(g.decode, "vae", 0, 400, 200));  // another point: its own step
    EXPECT_EQ(doc.undoStack()->count(), steps + 3);
    EXPECT_EQ(reroutesInto(doc, g.decode, "vae"), (std::vector<Point>{{400, 200}, {800, 400}}));
    doc.undo();
    doc.undo();
    EXPECT_EQ(reroutesInto(doc, g.decode, "vae"), (std::vector<Point>{{500, 300}, {730.5, 315}}));
    doc.undo();
    EXPECT_EQ(reroutesInto(doc, g.decode, "vae"), (std::vector<Point>{{500, 300}, {700, 300}}));
    doc.redo();
    EXPECT_EQ(reroutesInto(doc, g.decode, "vae"), (std::vector<Point>{{500, 300}, {730.5, 315}}));
}

TEST(DocumentReroutes, MovingNodesLeavesReroutePointsWhereTheyAre) {
    GraphDocument doc(builtinRegistry());
    TextToImage g(doc);
    ASSERT_TRUE(doc.addReroute(g.decode, "vae", 0, 500, 300));
    doc.moveNodes(ids({g.ckpt, g.decode}), 100, 50);
    doc.finishMove();
    EXPECT_EQ(doc.graph().node(g.decode)->pos.x, 1000);
    EXPECT_EQ(reroutesInto(doc, g.decode, "vae"), (std::vector<Point>{{500, 300}}));
}

TEST(DocumentReroutes, PasteKeepsReroutesOfInternalLinksMovedWithThePaste) {
    GraphDocument doc(builtinRegistry());
    TextToImage g(doc);
    ASSERT_TRUE(doc.addReroute(g.decode, "vae", 0, 500, 300));     // internal: ckpt -> decode
    ASSERT_TRUE(doc.addReroute(g.decode, "samples", 0, 800, 90));  // from the sampler: not copied
    const QString clip = doc.copyNodes(ids({g.ckpt, g.decode}));
    // ckpt at (0, 0) and decode at (900, 0): the top-left goes to (100, 1000).
    const QVariantList pasted = doc.pasteNodes(clip, 100, 1000);
    ASSERT_EQ(pasted.size(), 2);
    const qint64 decode = pasted[1].toLongLong();
    EXPECT_EQ(reroutesInto(doc, decode, "vae"), (std::vector<Point>{{600, 1300}}));
    EXPECT_EQ(doc.graph().linkInto(decode, "samples"), nullptr);
    EXPECT_EQ(reroutesInto(doc, g.decode, "vae"), (std::vector<Point>{{500, 300}}));
    doc.undo();
    EXPECT_EQ(doc.graph().node(decode), nullptr);
}

TEST(DocumentReroutes, LinkModelShowsThePointsAndSignalsTheirChanges) {
    GraphDocument doc(builtinRegistry());
    LinkListModel links(&doc);
    QAbstractItemModelTester tester(&links, QAbstractItemModelTester::FailureReportingMode::Fatal);
    TextToImage g(doc);
    int row = -1;
    for (int r = 0; r < links.rowCount(); ++r)
        if (links.get(r)["toNode"].toLongLong() == g.decode && links.get(r)["toInput"] == "vae") row = r;
    ASSERT_GE(row, 0);
    QSignalSpy changed(&links, &QAbstractItemModel::dataChanged), flat(&links, &LinkListModel::reroutesChanged);
    ASSERT_TRUE(doc.addReroute(g.decode, "vae", 0, 500, 300));
    ASSERT_TRUE(doc.moveReroute(g.decode, "vae", 0, 510, 320));
    EXPECT_EQ(flat.count(), 2);
    ASSERT_GE(changed.count(), 2);
    EXPECT_EQ(changed.last()[0].toModelIndex().row(), row);
    EXPECT_TRUE(changed.last()[2].value<QList<int>>().contains(LinkListModel::ReroutesRole));
    EXPECT_EQ(links.get(row)["reroutes"].toList(), (QVariantList{QPointF(510, 320)}));
    ASSERT_EQ(links.rerouteCount(), 1);
    const QVariantMap dot = links.reroutes()[0].toMap();
    EXPECT_EQ(dot["toNode"].toLongLong(), g.decode);
    EXPECT_EQ(dot["toInput"], "vae");
    EXPECT_EQ(dot["index"], 0);
    EXPECT_EQ(dot["x"], 510.0);
    EXPECT_EQ(dot["y"], 320.0);
    EXPECT_EQ(dot["type"], "VAE");
    doc.undo();
    doc.undo();
    EXPECT_EQ(links.rerouteCount(), 0);
    EXPECT_TRUE(links.get(row)["reroutes"].toList().isEmpty());
}
