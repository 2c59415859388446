// PreviewPublisher: sampler previews reach NodeListModel at most once per flush per node (the
// newest), with a dataChanged only for nodes a viewer shows; the others are stored silently so a
// delegate made later reads the newest URL.
#include "app/editor/node_list_model.h"
#include "app/editor/preview_publisher.h"

#include "editor_test_support.h"

#include <QCoreApplication>
#include <QSet>
#include <QSignalSpy>

#include <memory>

using namespace tessera::editor;
using namespace tessera::editor::test;

namespace {

}  // namespace

TEST(PreviewPublisher, CoalescesPerNodeAndNotifiesOnlyShownNodes) {
    const auto app = coreApplicationIfNone();
    GraphDocument doc(builtinRegistry());
    NodeListModel model(&doc);
    const qint64 shown = doc.addNode("KSampler", 0, 0), hidden = doc.addNode("KSampler", 5000, 0);
    PreviewPublisher publisher(&model);
    QObject view;
    QSet<qint64> inView{shown};
    publisher.setViewer(&view, [&](qint64 id) { return inView.contains(id); });
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);

    publisher.post(shown, "image://preview/1/1");
    publisher.post(shown, "image://preview/1/2");
    publisher.post(hidden, "image://preview/2/3");
    EXPECT_EQ(model.get(0)["preview"].toString(), "");  // nothing before the flush
    ASSERT_TRUE(changed.wait(1000));
    ASSERT_EQ(changed.count(), 1);  // one update, for the shown node, with its newest preview
    EXPECT_EQ(changed[0][0].toModelIndex().row(), model.rowOf(shown));
    EXPECT_EQ(changed[0][2].value<QList<int>>(), QList<int>{NodeListModel::PreviewRole});
    EXPECT_EQ(model.get(model.rowOf(shown))["preview"].toString(), "image://preview/1/2");
    // The hidden node's newest URL is there for the delegate made when it comes into view.
    EXPECT_EQ(model.get(model.rowOf(hidden))["preview"].toString(), "image://preview/2/3");
    EXPECT_EQ(publisher.shownUpdates(), 1);
    EXPECT_EQ(publisher.silentUpdates(), 1);

    // Without viewers (no canvas) every node counts as shown; clear() drops what waits.
    publisher.removeViewer(&view);
    changed.clear();
    publisher.post(hidden, "image://preview/2/4");
    ASSERT_TRUE(changed.wait(1000));
    EXPECT_EQ(changed[0][0].toModelIndex().row(), model.rowOf(hidden));
    publisher.post(hidden, "image://preview/2/5");
    publisher.clear();
    EXPECT_FALSE(changed.wait(100));
    EXPECT_EQ(model.get(model.rowOf(hidden))["preview"].toString(), "image://preview/2/4");
}
