#include "app/gui/link_layer.h"

#include "app/editor/node_catalog.h"
#include "app/gui/canvas_layout.h"

#include <QSGGeometryNode>
#include <QSGVertexColorMaterial>

#include <algorithm>
#include <cmath>

namespace tessera::editor {

namespace {
constexpr int kSegments = 20;  // per link: smooth at any zoom a node graph is read at

QHash<QByteArray, int> rolesByName(const QAbstractItemModel* model) {
    QHash<QByteArray, int> out;
    if (!model) return out;
    const auto names = model->roleNames();
    for (auto it = names.begin(); it != names.end(); ++it) out.insert(it.value(), it.key());
    return out;
}

// The control points of a stretch: it leaves and arrives horizontally, like ComfyUI's links.
std::pair<QPointF, QPointF> controls(QPointF p0, QPointF p3) {
    const double dx = std::max(40.0, std::abs(p3.x() - p0.x()) * 0.5);
    return {p0 + QPointF(dx, 0), p3 - QPointF(dx, 0)};
}

QPointF bezier(QPointF p0, QPointF p1, QPointF p2, QPointF p3, double t) {
    const double u = 1 - t;
    return u * u * u * p0 + 3 * u * u * t * p1 + 3 * u * t * t * p2 + t * t * t * p3;
}

double distanceToSegment(QPointF p, QPointF a, QPointF b) {
    const QPointF ab = b - a;
    const double len2 = QPointF::dotProduct(ab, ab);
    const double t = len2 > 0 ? std::clamp(QPointF::dotProduct(p - a, ab) / len2, 0.0, 1.0) : 0.0;
    const QPointF d = p - (a + t * ab);
    return std::hypot(d.x(), d.y());
}

// One thick Bézier as a strip of 2*(kSegments+1) vertices and 6*kSegments indices.
template <class C>
void emitCurve(const C& c, float halfWidth, QSGGeometry::ColoredPoint2D* v, quint32* idx, quint32 base) {
    const auto [p1, p2] = controls(c.p0, c.p3);
    const uchar r = uchar(c.color.red()), g = uchar(c.color.green()), b = uchar(c.color.blue()),
                a = uchar(c.color.alpha());
    for (int i = 0; i <= kSegments; ++i) {
        const double t = double(i) / kSegments, u = 1 - t;
        const QPointF p = bezier(c.p0, p1, p2, c.p3, t);
        QPointF d = 3 * u * u * (p1 - c.p0) + 6 * u * t * (p2 - p1) + 3 * t * t * (c.p3 - p2);
        const double len = std::hypot(d.x(), d.y());
        d = len > 1e-9 ? d / len : QPointF(1, 0);
        const QPointF n(-d.y() * (halfWidth + c.widen), d.x() * (halfWidth + c.widen));
        // Premultiplied colour, as QSGVertexColorMaterial expects.
        const auto pm = [&](uchar ch) { return uchar(ch * a / 255); };
        v[2 * i].set(float(p.x() + n.x()), float(p.y() + n.y()), pm(r), pm(g), pm(b), a);
        v[2 * i + 1].set(float(p.x() - n.x()), float(p.y() - n.y()), pm(r), pm(g), pm(b), a);
    }
    for (int i = 0; i < kSegments; ++i) {
        const quint32 k = base + 2 * i;
        idx[6 * i + 0] = k;
        idx[6 * i + 1] = k + 1;
        idx[6 * i + 2] = k + 2;
        idx[6 * i + 3] = k + 1;
        idx[6 * i + 4] = k + 3;
        idx[6 * i + 5] = k + 2;
    }
}

template <class C>
QSGGeometryNode* curvesNode(const std::vector<C>& curves, float halfWidth, QSGGeometryNode* node) {
    const int vertices = int(curves.size()) * 2 * (kSegments + 1);
    const int indices = int(curves.size()) * 6 * kSegments;
    if (!node) {
        node = new QSGGeometryNode;
        auto* geometry = new QSGGeometry(QSGGeometry::defaultAttributes_ColoredPoint2D(), vertices, indices,
                                         QSGGeometry::UnsignedIntType);
        geometry->setDrawingMode(QSGGeometry::DrawTriangles);
        node->setGeometry(geometry);
        node->setMaterial(new QSGVertexColorMaterial);
        node->setFlags(QSGNode::OwnsGeometry | QSGNode::OwnsMaterial);
    } else {
        node->geometry()->allocate(vertices, indices);
    }
    auto* v = node->geometry()->vertexDataAsColoredPoint2D();
    auto* idx = node->geometry()->indexDataAsUInt();
    for (size_t i = 0; i < curves.size(); ++i)
        emitCurve(curves[i], halfWidth, v + i * 2 * (kSegments + 1), idx + i * 6 * kSegments,
                  quint32(i * 2 * (kSegments + 1)));
    node->markDirty(QSGNode::DirtyGeometry);
    return node;
}
}  // namespace

LinkLayer::LinkLayer(QQuickItem* parent) : QQuickItem(parent) {
    setFlag(ItemHasContents, true);
    connect(this, &LinkLayer::dragChanged, this, &QQuickItem::update);
    connect(this, &LinkLayer::styleChanged, this, &LinkLayer::markLinksDirty);
}

namespace {
// Rows added, removed or reordered, or the whole model reset: `rebuild` starts over.
void connectStructureChanges(QAbstractItemModel* model, LinkLayer* layer, void (LinkLayer::*rebuild)()) {
    QObject::connect(model, &QAbstractItemModel::modelReset, layer, rebuild);
    QObject::connect(model, &QAbstractItemModel::layoutChanged, layer, rebuild);
    QObject::connect(model, &QAbstractItemModel::rowsInserted, layer, rebuild);
    QObject::connect(model, &QAbstractItemModel::rowsRemoved, layer, rebuild);
}
}  // namespace

void LinkLayer::setNodes(QAbstractItemModel* model) {
    if (nodes_ == model) return;
    if (nodes_) disconnect(nodes_, nullptr, this, nullptr);
    nodes_ = model;
    nodeRoles_ = rolesByName(model);
    if (model) {
        connectStructureChanges(model, this, &LinkLayer::rebuildNodes);
        connect(model, &QAbstractItemModel::dataChanged, this,
                [this](const QModelIndex& tl, const QModelIndex& br, const QList<int>& roles) {
                    static const QByteArray geometryRoles[] = {"x", "y", "width", "collapsed", "inputs", "outputs"};
                    bool relevant = roles.isEmpty();
                    for (const auto& name : geometryRoles) relevant = relevant || roles.contains(nodeRoles_.value(name, -1));
                    if (relevant) updateNodeRows(tl.row(), br.row());
                });
    }
    rebuildNodes();
    Q_EMIT nodesChanged();
}

void LinkLayer::setLinks(QAbstractItemModel* model) {
    if (links_ == model) return;
    if (links_) disconnect(links_, nullptr, this, nullptr);
    links_ = model;
    linkRoles_ = rolesByName(model);
    if (model) {
        connectStructureChanges(model, this, &LinkLayer::rebuildLinks);
        connect(model, &QAbstractItemModel::dataChanged, this, &LinkLayer::rebuildLinks);
    }
    rebuildLinks();
    Q_EMIT linksChanged();
}

void LinkLayer::setOutlineColor(const QColor& color) {
    if (color == outlineColor_) return;
    outlineColor_ = color;
    Q_EMIT styleChanged();
}

LinkLayer::NodeGeom LinkLayer::readNode(int row) const {
    NodeGeom g;
    const QModelIndex i = nodes_->index(row, 0);
    auto role = [&](const char* name) { return nodes_->data(i, nodeRoles_.value(name, -1)); };
    g.collapsed = role("collapsed").toBool();
    g.x = role("x").toDouble();
    g.y = role("y").toDouble();
    g.width = layout::nodeWidth(role("width").toDouble(), g.collapsed);
    for (const QVariant& in : role("inputs").toList()) {
        const QVariantMap m = in.toMap();
        if (m.value("isWidget").toBool() && !m.value("asInput").toBool()) continue;
        g.inputSlots.insert(m.value("name").toString(), int(g.inputNames.size()));
        g.inputNames << m.value("name").toString();
        g.inputTypes << m.value("type").toString();
    }
    for (const QVariant& out : role("outputs").toList()) {
        const QVariantMap m = out.toMap();
        g.outputNames << m.value("name").toString();
        g.outputTypes << m.value("type").toString();
    }
    return g;
}

void LinkLayer::rebuildNodes() {
    nodeCache_.clear();
    if (nodes_) {
        const int idRole = nodeRoles_.value("nodeId", -1);
        for (int row = 0; row < nodes_->rowCount(); ++row)
            nodeCache_.insert(nodes_->data(nodes_->index(row, 0), idRole).toLongLong(), readNode(row));
    }
    markLinksDirty();
}

void LinkLayer::updateNodeRows(int first, int last) {
    const int idRole = nodeRoles_.value("nodeId", -1);
    for (int row = first; row <= last; ++row)
        nodeCache_.insert(nodes_->data(nodes_->index(row, 0), idRole).toLongLong(), readNode(row));
    markLinksDirty();
}

void LinkLayer::rebuildLinks() {
    links_cache_.clear();
    if (links_) {
        auto role = [&](const char* name) { return linkRoles_.value(name, -1); };
        const int from = role("fromNode"), slot = role("fromSlot"), to = role("toNode"), input = role("toInput"),
                  type = role("type"), reroutes = role("reroutes");
        links_cache_.reserve(size_t(links_->rowCount()));
        for (int row = 0; row < links_->rowCount(); ++row) {
            const QModelIndex i = links_->index(row, 0);
            LinkGeom l{links_->data(i, from).toLongLong(), links_->data(i, to).toLongLong(),
                       links_->data(i, slot).toInt(), links_->data(i, input).toString(),
                       QColor(NodeCatalog::portColor(links_->data(i, type).toString())), {}};
            for (const QVariant& p : links_->data(i, reroutes).toList()) l.reroutes.push_back(p.toPointF());
            links_cache_.push_back(std::move(l));
        }
    }
    markLinksDirty();
    Q_EMIT geometryRebuilt();
}

void LinkLayer::markLinksDirty() {
    linksDirty_ = true;
    update();
}

QPointF LinkLayer::portPosition(qint64 nodeId, bool output, int slot) const {
    const auto it = nodeCache_.find(nodeId);
    if (it == nodeCache_.end()) return {};
    return layout::portPosition(it->x, it->y, it->width, it->collapsed, output, slot);
}

QPointF LinkLayer::inputPosition(qint64 nodeId, const QString& input) const {
    const auto it = nodeCache_.find(nodeId);
    if (it == nodeCache_.end()) return {};
    return layout::portPosition(it->x, it->y, it->width, it->collapsed, false, it->inputSlots.value(input, 0));
}

QVariantMap LinkLayer::portAt(double x, double y, double radius) const {
    QVariantMap best;
    double bestDistance = radius * radius;
    for (auto it = nodeCache_.begin(); it != nodeCache_.end(); ++it) {
        const NodeGeom& g = *it;
        if (x < g.x - radius || x > g.x + g.width + radius || y < g.y - radius) continue;
        for (int side = 0; side < 2; ++side) {
            const bool output = side == 1;
            const QStringList& names = output ? g.outputNames : g.inputNames;
            for (int slot = 0; slot < names.size(); ++slot) {
                const QPointF p = layout::portPosition(g.x, g.y, g.width, g.collapsed, output, slot);
                const double d = (p.x() - x) * (p.x() - x) + (p.y() - y) * (p.y() - y);
                if (d > bestDistance) continue;
                bestDistance = d;
                best = {{"nodeId", it.key()}, {"output", output}, {"slot", slot}, {"name", names[slot]},
                        {"type", (output ? g.outputTypes : g.inputTypes)[slot]}, {"x", p.x()}, {"y", p.y()}};
            }
        }
    }
    return best;
}

std::vector<LinkLayer::Curve> LinkLayer::curvesOf(const LinkGeom& l) const {
    const auto from = nodeCache_.find(l.fromNode), to = nodeCache_.find(l.toNode);
    if (from == nodeCache_.end() || to == nodeCache_.end()) return {};
    QPointF start = layout::portPosition(from->x, from->y, from->width, from->collapsed, true, l.fromSlot);
    std::vector<Curve> out;
    for (const QPointF& p : l.reroutes) {
        out.push_back({start, p, l.color});
        start = p;
    }
    out.push_back({start,
                   layout::portPosition(to->x, to->y, to->width, to->collapsed, false, to->inputSlots.value(l.toInput, 0)),
                   l.color});
    return out;
}

QVariantMap LinkLayer::linkAt(double x, double y, double radius) const {
    QVariantMap best;
    double bestDistance = radius;
    const QPointF p(x, y);
    for (const LinkGeom& l : links_cache_) {
        const std::vector<Curve> curves = curvesOf(l);
        for (size_t k = 0; k < curves.size(); ++k) {
            const Curve& c = curves[k];
            const auto [p1, p2] = controls(c.p0, c.p3);
            // A Bézier stays inside the box of its control points.
            const QRectF box = QRectF(c.p0, c.p3).normalized().united(QRectF(p1, p2).normalized());
            if (!box.adjusted(-radius, -radius, radius, radius).contains(p)) continue;
            QPointF prev = c.p0;
            for (int i = 1; i <= kSegments; ++i) {
                const QPointF next = bezier(c.p0, p1, p2, c.p3, double(i) / kSegments);
                const double d = distanceToSegment(p, prev, next);
                if (d <= bestDistance) {
                    bestDistance = d;
                    best = {{"toNode", l.toNode}, {"toInput", l.toInput}, {"index", int(k)}};
                }
                prev = next;
            }
        }
    }
    return best;
}

QSGNode* LinkLayer::updatePaintNode(QSGNode* old, UpdatePaintNodeData*) {
    QSGNode* root = old ? old : new QSGNode;
    auto* linksNode = static_cast<QSGGeometryNode*>(root->firstChild());
    if (linksDirty_ || !linksNode) {
        linksDirty_ = false;
        std::vector<Curve> curves;
        curves.reserve(links_cache_.size());
        for (const LinkGeom& l : links_cache_)
            for (const Curve& c : curvesOf(l)) curves.push_back(c);
        if (outlineColor_.alpha() > 0) {  // rims first, so every link is drawn over them
            std::vector<Curve> rims;
            rims.reserve(curves.size() * 2);
            for (const Curve& c : curves) rims.push_back({c.p0, c.p3, outlineColor_, 1.25f});
            rims.insert(rims.end(), curves.begin(), curves.end());
            curves = std::move(rims);
        }
        QSGGeometryNode* fresh = curvesNode(curves, float(lineWidth_ / 2), linksNode);
        if (!linksNode) root->appendChildNode(fresh);
        linksNode = fresh;
    }
    auto* dragNode = static_cast<QSGGeometryNode*>(linksNode->nextSibling());
    std::vector<Curve> drag;
    if (dragActive_) drag.push_back({dragFrom_, dragTo_, dragColor_});
    QSGGeometryNode* freshDrag = curvesNode(drag, float(lineWidth_ / 2), dragNode);
    if (!dragNode) root->appendChildNode(freshDrag);
    return root;
}

}  // namespace tessera::editor
