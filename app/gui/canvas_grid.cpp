#include "app/gui/canvas_grid.h"

#include <QSGFlatColorMaterial>
#include <QSGGeometryNode>

#include <cmath>
#include <vector>

namespace tessera::editor {

namespace {
QSGGeometryNode* lineNode(const std::vector<QPointF>& points, const QColor& color) {
    auto* geometry = new QSGGeometry(QSGGeometry::defaultAttributes_Point2D(), int(points.size()));
    geometry->setDrawingMode(QSGGeometry::DrawLines);
    geometry->setLineWidth(1);
    auto* v = geometry->vertexDataAsPoint2D();
    for (size_t i = 0; i < points.size(); ++i) v[i].set(float(points[i].x()), float(points[i].y()));
    auto* material = new QSGFlatColorMaterial;
    material->setColor(color);
    auto* node = new QSGGeometryNode;
    node->setGeometry(geometry);
    node->setMaterial(material);
    node->setFlags(QSGNode::OwnsGeometry | QSGNode::OwnsMaterial);
    return node;
}
}  // namespace

CanvasGrid::CanvasGrid(QQuickItem* parent) : QQuickItem(parent) {
    setFlag(ItemHasContents, true);
    connect(this, &CanvasGrid::viewChanged, this, &QQuickItem::update);
}

void CanvasGrid::setPanX(double v) {
    if (v == panX_) return;
    panX_ = v;
    Q_EMIT viewChanged();
}
void CanvasGrid::setPanY(double v) {
    if (v == panY_) return;
    panY_ = v;
    Q_EMIT viewChanged();
}
void CanvasGrid::setZoom(double v) {
    if (v == zoom_ || v <= 0) return;
    zoom_ = v;
    Q_EMIT viewChanged();
}

void CanvasGrid::geometryChange(const QRectF& newGeometry, const QRectF& oldGeometry) {
    QQuickItem::geometryChange(newGeometry, oldGeometry);
    update();
}

QSGNode* CanvasGrid::updatePaintNode(QSGNode* old, UpdatePaintNodeData*) {
    delete old;
    auto* root = new QSGNode;
    const double w = width(), h = height();
    if (w <= 0 || h <= 0 || spacing_ <= 0) return root;
    std::vector<QPointF> minor, major;
    const double step = spacing_ * zoom_;  // screen pixels between minor lines
    const bool showMinor = step >= 6;
    const double majorStep = step * majorEvery_;
    auto addLines = [&](double pan, double extent, double other, bool vertical) {
        const long first = long(std::floor(-pan / step));
        const long last = long(std::ceil((extent - pan) / step));
        if (last - first > 4000) return;  // never more lines than pixels
        for (long i = first; i <= last; ++i) {
            const bool isMajor = majorEvery_ > 0 && i % majorEvery_ == 0;
            if (!isMajor && !showMinor) continue;
            if (isMajor && majorStep < 6) continue;
            const double s = std::round(pan + i * step) + 0.5;
            auto& out = isMajor ? major : minor;
            if (vertical) {
                out.emplace_back(s, 0);
                out.emplace_back(s, other);
            } else {
                out.emplace_back(0, s);
                out.emplace_back(other, s);
            }
        }
    };
    addLines(panX_, w, h, true);
    addLines(panY_, h, w, false);
    if (!minor.empty()) root->appendChildNode(lineNode(minor, color_));
    if (!major.empty()) root->appendChildNode(lineNode(major, majorColor_));
    return root;
}

}  // namespace tessera::editor
