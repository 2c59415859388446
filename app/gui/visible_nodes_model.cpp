#include "app/gui/visible_nodes_model.h"

namespace tessera::editor {

namespace {
// Below a node its error message and output image can reach further than its rectangle.
constexpr double kBelowMargin = 40;
}  // namespace

VisibleNodesModel::VisibleNodesModel(QObject* parent) : QSortFilterProxyModel(parent) {
    setDynamicSortFilter(true);
    for (auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved})
        connect(this, signal, this, &VisibleNodesModel::countChanged);
    connect(this, &QAbstractItemModel::modelReset, this, &VisibleNodesModel::countChanged);
}

void VisibleNodesModel::setNodes(QAbstractItemModel* nodes) {
    if (nodes == sourceModel()) return;
    rectRole_ = nodes ? nodes->roleNames().key("rect", -1) : -1;
    setSourceModel(nodes);
    emit nodesChanged();
    emit countChanged();
}

void VisibleNodesModel::setViewRect(const QRectF& rect) {
    if (rect == viewRect_) return;
    viewRect_ = rect;
    invalidateRowsFilter();
    emit viewRectChanged();
}

void VisibleNodesModel::setEnabled(bool enabled) {
    if (enabled == enabled_) return;
    enabled_ = enabled;
    invalidateRowsFilter();
    emit enabledChanged();
}

bool VisibleNodesModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
    if (!enabled_ || rectRole_ < 0) return false;
    const QRectF r = sourceModel()->index(sourceRow, 0, sourceParent).data(rectRole_).toRectF();
    return r.adjusted(0, 0, 0, kBelowMargin).intersects(viewRect_);
}

}  // namespace tessera::editor
