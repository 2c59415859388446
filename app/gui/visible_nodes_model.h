#pragma once
// The nodes whose rectangle meets `viewRect` (canvas coordinates), for the canvas' Repeater: a
// node gets its QML delegate only while it is in (or near) the view, and none at all while
// `enabled` is false (the low-detail view draws every node in one NodeLodLayer instead).
// Rows keep the source's order, so delegates stack as before. When the view jumps (zooming in
// past the low-detail threshold, a fit) and many nodes come into it at once, they are let in
// `batchSize` at a time, nearest the view's centre first, one batch per frame, so no single
// frame creates them all; a node added or moved into the view is let in at once.
// Given the session's PreviewPublisher (`previews`), it tells it which nodes have a delegate:
// previews of the others wait in the model, unseen, until they come into view.
#include <QRectF>
#include <QSet>
#include <QSortFilterProxyModel>
#include <QPointer>
#include <QTimer>

namespace tessera::editor {

class PreviewPublisher;

class VisibleNodesModel : public QSortFilterProxyModel {
    Q_OBJECT
    Q_PROPERTY(QAbstractItemModel* nodes READ sourceModel WRITE setNodes NOTIFY nodesChanged)
    Q_PROPERTY(QRectF viewRect READ viewRect WRITE setViewRect NOTIFY viewRectChanged)
    Q_PROPERTY(bool enabled READ enabled WRITE setEnabled NOTIFY enabledChanged)
    Q_PROPERTY(int count READ count NOTIFY countChanged)
    Q_PROPERTY(int batchSize MEMBER batchSize_)  // 0: no limit
    Q_PROPERTY(QObject* previews READ previews WRITE setPreviews NOTIFY previewsChanged)

public:
    explicit VisibleNodesModel(QObject* parent = nullptr);
    ~VisibleNodesModel() override;

    void setNodes(QAbstractItemModel* nodes);
    QRectF viewRect() const { return viewRect_; }
    void setViewRect(const QRectF& rect);
    bool enabled() const { return enabled_; }
    void setEnabled(bool enabled);
    int count() const { return rowCount(); }
    QObject* previews() const;
    void setPreviews(QObject* publisher);
    // Whether the node has a delegate now.
    bool showsNode(qint64 nodeId) const { return enabled_ && admitted_.contains(nodeId); }

Q_SIGNALS:
    void nodesChanged();
    void viewRectChanged();
    void enabledChanged();
    void countChanged();
    void previewsChanged();

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    bool inView(const QRectF& nodeRect) const;
    void refilter();  // lets in the next batch

    QRectF viewRect_;
    bool enabled_ = true;
    int rectRole_ = -1, idRole_ = -1;
    int batchSize_ = 6;
    mutable QSet<qint64> admitted_;  // the nodes in view that have been let in
    bool batching_ = false;          // in refilter(): only admitted nodes pass
    QTimer nextBatch_;
    QPointer<PreviewPublisher> previews_;
};

}  // namespace tessera::editor
