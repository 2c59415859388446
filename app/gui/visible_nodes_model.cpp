#include "app/gui/visible_nodes_model.h"

#include "app/editor/preview_publisher.h"

#include <algorithm>
#include <vector>

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
    nextBatch_.setSingleShot(true);
    nextBatch_.setInterval(16);  // about a frame
    connect(&nextBatch_, &QTimer::timeout, this, &VisibleNodesModel::refilter);
}

VisibleNodesModel::~VisibleNodesModel() {
    if (previews_) previews_->removeViewer(this);
}

QObject* VisibleNodesModel::previews() const { return previews_; }

void VisibleNodesModel::setPreviews(QObject* publisher) {
    auto* next = qobject_cast<PreviewPublisher*>(publisher);
    if (next == previews_) return;
    if (previews_) previews_->removeViewer(this);
    previews_ = next;
    if (previews_) previews_->setViewer(this, [this](qint64 id) { return showsNode(id); });
    Q_EMIT previewsChanged();
}

void VisibleNodesModel::setNodes(QAbstractItemModel* nodes) {
    if (nodes == sourceModel()) return;
    rectRole_ = nodes ? nodes->roleNames().key("rect", -1) : -1;
    idRole_ = nodes ? nodes->roleNames().key("nodeId", -1) : -1;
    setSourceModel(nodes);
    Q_EMIT nodesChanged();
    Q_EMIT countChanged();
}

void VisibleNodesModel::setViewRect(const QRectF& rect) {
    if (rect == viewRect_) return;
    viewRect_ = rect;
    refilter();
    Q_EMIT viewRectChanged();
}

void VisibleNodesModel::setEnabled(bool enabled) {
    if (enabled == enabled_) return;
    enabled_ = enabled;
    refilter();
    Q_EMIT enabledChanged();
}

bool VisibleNodesModel::inView(const QRectF& nodeRect) const {
    return nodeRect.adjusted(0, 0, 0, kBelowMargin).intersects(viewRect_);
}

void VisibleNodesModel::refilter() {
    QSet<qint64> next;
    std::vector<std::pair<double, qint64>> waiting;  // distance to the view's centre, node id
    if (enabled_ && sourceModel() && rectRole_ >= 0) {
        for (int row = 0; row < sourceModel()->rowCount(); ++row) {
            const QModelIndex i = sourceModel()->index(row, 0);
            const QRectF r = i.data(rectRole_).toRectF();
            if (!inView(r)) continue;
            const qint64 id = i.data(idRole_).toLongLong();
            if (admitted_.contains(id)) {
                next.insert(id);
            } else {
                const QPointF d = r.center() - viewRect_.center();
                waiting.emplace_back(d.x() * d.x() + d.y() * d.y(), id);
            }
        }
    }
    std::sort(waiting.begin(), waiting.end());
    const size_t letIn = batchSize_ > 0 ? std::min(waiting.size(), size_t(batchSize_)) : waiting.size();
    for (size_t k = 0; k < letIn; ++k) next.insert(waiting[k].second);
    admitted_ = std::move(next);
    batching_ = true;
    invalidateRowsFilter();
    batching_ = false;
    if (waiting.size() > letIn) nextBatch_.start();
}

bool VisibleNodesModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
    if (!enabled_ || rectRole_ < 0) return false;
    const QModelIndex i = sourceModel()->index(sourceRow, 0, sourceParent);
    if (!inView(i.data(rectRole_).toRectF())) return false;
    const qint64 id = i.data(idRole_).toLongLong();
    if (admitted_.contains(id)) return true;
    if (batching_) return false;
    admitted_.insert(id);  // added or moved into the view: at once
    return true;
}

}  // namespace tessera::editor
