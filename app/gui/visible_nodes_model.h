#pragma once
// The nodes whose rectangle meets `viewRect` (canvas coordinates), for the canvas' Repeater: a
// node gets its QML delegate only while it is in (or near) the view, and none at all while
// `enabled` is false (the low-detail view draws every node in one NodeLodLayer instead).
// Rows keep the source's order, so delegates stack as before.
#include <QRectF>
#include <QSortFilterProxyModel>

namespace tessera::editor {

class VisibleNodesModel : public QSortFilterProxyModel {
    Q_OBJECT
    Q_PROPERTY(QAbstractItemModel* nodes READ sourceModel WRITE setNodes NOTIFY nodesChanged)
    Q_PROPERTY(QRectF viewRect READ viewRect WRITE setViewRect NOTIFY viewRectChanged)
    Q_PROPERTY(bool enabled READ enabled WRITE setEnabled NOTIFY enabledChanged)
    Q_PROPERTY(int count READ count NOTIFY countChanged)

public:
    explicit VisibleNodesModel(QObject* parent = nullptr);

    void setNodes(QAbstractItemModel* nodes);
    QRectF viewRect() const { return viewRect_; }
    void setViewRect(const QRectF& rect);
    bool enabled() const { return enabled_; }
    void setEnabled(bool enabled);
    int count() const { return rowCount(); }

signals:
    void nodesChanged();
    void viewRectChanged();
    void enabledChanged();
    void countChanged();

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    QRectF viewRect_;
    bool enabled_ = true;
    int rectRole_ = -1;
};

}  // namespace tessera::editor
