#include "app/gui/node_lod_layer.h"

#include "app/editor/node_catalog.h"
#include "app/gui/canvas_layout.h"

#include <QQuickWindow>
#include <QSGGeometryNode>
#include <QSGVertexColorMaterial>

#include <algorithm>

namespace tessera::editor {

namespace {
constexpr double kPortSize = 16;       // a port square's side (canvas units): a dot of radius 6, a little grown
constexpr double kOutline = 6;         // the selection / run-state outline around a node
constexpr double kHoverOutline = 3;
constexpr double kMutedOpacity = 0.45; // as NodeItem's
constexpr double kProgressHeight = 3;

// Triangles of coloured quads, in drawing order.
class QuadList {
public:
    void add(const QRectF& r, const QColor& c, double opacity = 1) {
        const auto a = uchar(std::clamp(c.alphaF() * opacity, 0.0, 1.0) * 255);
        if (a == 0) return;
        const auto pm = [&](int ch) { return uchar(ch * a / 255); };  // premultiplied, as the material expects
        const auto base = quint32(vertices.size());
        for (const QPointF& p : {r.topLeft(), r.topRight(), r.bottomLeft(), r.bottomRight()}) {
            QSGGeometry::ColoredPoint2D v;
            v.set(float(p.x()), float(p.y()), pm(c.red()), pm(c.green()), pm(c.blue()), a);
            vertices.push_back(v);
        }
        for (quint32 k : {0u, 1u, 2u, 1u, 3u, 2u}) indices.push_back(base + k);
    }
    std::vector<QSGGeometry::ColoredPoint2D> vertices;
    std::vector<quint32> indices;
};

QRectF grown(const QRectF& r, double by) { return r.adjusted(-by, -by, by, by); }

QRectF square(QPointF centre, double side) { return {centre.x() - side / 2, centre.y() - side / 2, side, side}; }

QColor mix(const QColor& a, const QColor& b, double t) {
    return QColor::fromRgbF(float(a.redF() * (1 - t) + b.redF() * t), float(a.greenF() * (1 - t) + b.greenF() * t),
                            float(a.blueF() * (1 - t) + b.blueF() * t), 1);
}

QColor callColor(const QJSValue& f, const QString& arg) {
    if (!f.isCallable()) return Qt::transparent;
    return QColor::fromString(f.call({QJSValue(arg)}).toString());
}
}  // namespace

NodeLodLayer::NodeLodLayer(QQuickItem* parent) : QQuickItem(parent) {
    setFlag(ItemHasContents, true);
    connect(this, &NodeLodLayer::styleChanged, this, [this] {
        categoryColors_.clear();
        rebuild();
    });
    connect(this, &NodeLodLayer::hoverChanged, this, &NodeLodLayer::markDirty);
}

void NodeLodLayer::setNodes(QAbstractItemModel* model) {
    if (nodes_ == model) return;
    if (nodes_) disconnect(nodes_, nullptr, this, nullptr);
    nodes_ = model;
    roles_.clear();
    if (model) {
        const auto names = model->roleNames();
        for (auto it = names.begin(); it != names.end(); ++it) roles_.insert(it.value(), it.key());
        for (auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved})
            connect(model, signal, this, &NodeLodLayer::rebuild);
        connect(model, &QAbstractItemModel::modelReset, this, &NodeLodLayer::rebuild);
        connect(model, &QAbstractItemModel::layoutChanged, this, &NodeLodLayer::rebuild);
        connect(model, &QAbstractItemModel::dataChanged, this,
                [this](const QModelIndex& tl, const QModelIndex& br, const QList<int>& roles) {
                    // Progress, previews, output images, notes and errors don't show at this level.
                    static const QByteArray unseen[] = {"preview", "outputImages", "note", "error"};
                    bool relevant = roles.isEmpty();
                    for (int r : roles)
                        relevant = relevant || std::none_of(std::begin(unseen), std::end(unseen),
                                                            [&](const QByteArray& n) { return roles_.value(n, -1) == r; });
                    if (relevant) updateRows(tl.row(), br.row());
                });
    }
    rebuild();
    Q_EMIT nodesChanged();
}

void NodeLodLayer::setCategoryColor(const QJSValue& f) {
    categoryColor_ = f;
    Q_EMIT styleChanged();
}

void NodeLodLayer::setStateColor(const QJSValue& f) {
    stateColor_ = f;
    Q_EMIT styleChanged();
}

QColor NodeLodLayer::categoryColorOf(const QString& category) const {
    auto it = categoryColors_.find(category);
    if (it == categoryColors_.end()) it = categoryColors_.insert(category, callColor(categoryColor_, category));
    return *it;
}

NodeLodLayer::NodeLook NodeLodLayer::readNode(int row) const {
    NodeLook n;
    const QModelIndex i = nodes_->index(row, 0);
    auto role = [&](const char* name) { return nodes_->data(i, roles_.value(name, -1)); };
    n.id = role("nodeId").toLongLong();
    n.rect = role("rect").toRectF();
    n.collapsed = role("collapsed").toBool();
    n.selected = role("selected").toBool();
    n.bypassed = role("bypassed").toBool();
    n.muted = role("muted").toBool();
    n.title = role("unknownType").toBool() ? unknownColor_ : categoryColorOf(role("category").toString());
    const QString state = role("state").toString();
    n.state = state.isEmpty() || state == "idle" ? QColor(Qt::transparent) : callColor(stateColor_, state);
    if (state == "running") n.progress = role("progress").toDouble();
    if (showTitles_) n.label = titleImages_.labelFor(role("title").toString(), n.rect.width(), &n.labelSize);
    if (!showPorts_) return n;
    for (const QVariant& in : role("inputs").toList()) {
        const QVariantMap m = in.toMap();
        if (m.value("isWidget").toBool() && !m.value("asInput").toBool()) continue;
        n.inputs.emplace_back(NodeCatalog::portColor(m.value("type").toString()));
    }
    for (const QVariant& out : role("outputs").toList())
        n.outputs.emplace_back(NodeCatalog::portColor(out.toMap().value("type").toString()));
    return n;
}

void NodeLodLayer::rebuild() {
    rebuildPending_ = true;
    dirtyRows_.clear();
    polish();
}

void NodeLodLayer::updateRows(int first, int last) {
    if (rebuildPending_) return;
    for (int row = first; row <= last; ++row) dirtyRows_.push_back(row);
    polish();
}

void NodeLodLayer::refresh() const {
    titleImages_.setColor(textColor_);
    if (rebuildPending_) {
        rebuildPending_ = false;
        looks_.clear();
        if (nodes_) {
            looks_.reserve(size_t(nodes_->rowCount()));
            for (int row = 0; row < nodes_->rowCount(); ++row) looks_.push_back(readNode(row));
        }
    }
    for (int row : dirtyRows_)
        if (size_t(row) < looks_.size()) looks_[size_t(row)] = readNode(row);
    dirtyRows_.clear();
}

void NodeLodLayer::updatePolish() {
    refresh();
    markDirty();
}

void NodeLodLayer::markDirty() {
    dirty_ = true;
    update();
}

QVariant NodeLodLayer::nodeAt(double x, double y) const {
    refresh();
    for (auto it = looks_.rbegin(); it != looks_.rend(); ++it)
        if (it->rect.contains(x, y)) return it->id;
    return -1;
}

bool NodeLodLayer::onTitleBar(qint64 nodeId, double x, double y) const {
    refresh();
    for (const NodeLook& n : looks_)
        if (n.id == nodeId) return n.rect.contains(x, y) && y < n.rect.y() + layout::kHeaderHeight;
    return false;
}

QSGNode* NodeLodLayer::updatePaintNode(QSGNode* old, UpdatePaintNodeData*) {
    QSGNode* root = old;
    if (!root) {
        root = new QSGNode;
        auto* shapes = new QSGGeometryNode;
        auto* geometry = new QSGGeometry(QSGGeometry::defaultAttributes_ColoredPoint2D(), 0, 0, QSGGeometry::UnsignedIntType);
        geometry->setDrawingMode(QSGGeometry::DrawTriangles);
        shapes->setGeometry(geometry);
        shapes->setMaterial(new QSGVertexColorMaterial);
        shapes->setFlags(QSGNode::OwnsGeometry | QSGNode::OwnsMaterial);
        root->appendChildNode(shapes);
        root->appendChildNode(new TitleLabelsNode);
        dirty_ = true;
    }
    if (!dirty_) return root;
    dirty_ = false;

    const qint64 hoverId = hoverNode_.toLongLong();
    const qint64 hoverPortNode = hoverPort_.value("nodeId", -1).toLongLong();
    QuadList quads;
    std::vector<TitleLabel> labels;
    for (const NodeLook& n : looks_) {
        QRectF r = n.rect;
        r.setWidth(std::max(r.width(), minNodeSize_));
        r.setHeight(std::max(r.height(), minNodeSize_));
        const double opacity = n.muted ? kMutedOpacity : 1;
        if (!showPorts_) {
            quads.add(r, n.selected ? selectionColor_ : n.title, opacity);
            continue;
        }
        if (n.selected || n.state.alpha() > 0)
            quads.add(grown(r, kOutline), n.state.alpha() > 0 && !n.selected ? n.state : selectionColor_, opacity);
        else if (n.id == hoverId)
            quads.add(grown(r, kHoverOutline), selectionColor_, 0.5);
        quads.add(grown(r, 1.5), borderColor_, opacity);
        quads.add(r, n.bypassed ? mix(nodeColor_, bypassColor_, 0.3) : nodeColor_, opacity);
        const double titleHeight = std::min(r.height(), layout::kHeaderHeight);
        quads.add({r.x(), r.y(), r.width(), titleHeight}, n.bypassed ? mix(n.title, bypassColor_, 0.3) : n.title, opacity);
        if (n.progress > 0)
            quads.add({r.x(), r.y() + titleHeight - kProgressHeight, r.width() * n.progress, kProgressHeight}, n.state);
        if (showTitles_ && !n.label.isEmpty())
            labels.push_back({n.label, {r.x() + layout::kTitleX, r.y() + (titleHeight - n.labelSize.height()) / 2,
                                        n.labelSize.width(), n.labelSize.height()}});
        for (int side = 0; side < 2; ++side) {
            const bool output = side == 1;
            const auto& colors = output ? n.outputs : n.inputs;
            // Collapsed nodes show their ports on the title bar, as the delegate does.
            const size_t shown = n.collapsed ? std::min<size_t>(colors.size(), 1) : colors.size();
            for (size_t slot = 0; slot < shown; ++slot) {
                const QPointF p = layout::portPosition(r.x(), r.y(), r.width(), n.collapsed, output, int(slot));
                const bool hovered = n.id == hoverPortNode && hoverPort_.value("output").toBool() == output &&
                                     hoverPort_.value("slot").toInt() == int(slot);
                quads.add(square(p, hovered ? 1.6 * kPortSize : kPortSize), colors[slot], opacity);
            }
        }
    }
    auto* shapes = static_cast<QSGGeometryNode*>(root->firstChild());
    QSGGeometry* g = shapes->geometry();
    g->allocate(int(quads.vertices.size()), int(quads.indices.size()));
    std::copy(quads.vertices.begin(), quads.vertices.end(), g->vertexDataAsColoredPoint2D());
    std::copy(quads.indices.begin(), quads.indices.end(), g->indexDataAsUInt());
    shapes->markDirty(QSGNode::DirtyGeometry);
    static_cast<TitleLabelsNode*>(shapes->nextSibling())->update(window(), titleImages_, labels);
    return root;
}

}  // namespace tessera::editor
