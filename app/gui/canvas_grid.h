#pragma once
// The canvas background grid, drawn in screen space from the canvas pan and zoom: minor lines
// every `spacing` canvas units (hidden when they would be closer than a few pixels) and major
// lines every `majorEvery` minor ones. Two line nodes, rebuilt only when the view changes.
#include <QColor>
#include <QQuickItem>

namespace tessera::editor {

class CanvasGrid : public QQuickItem {
    Q_OBJECT
    Q_PROPERTY(double panX MEMBER panX_ WRITE setPanX NOTIFY viewChanged)
    Q_PROPERTY(double panY MEMBER panY_ WRITE setPanY NOTIFY viewChanged)
    Q_PROPERTY(double zoom MEMBER zoom_ WRITE setZoom NOTIFY viewChanged)
    Q_PROPERTY(double spacing MEMBER spacing_ NOTIFY viewChanged)
    Q_PROPERTY(int majorEvery MEMBER majorEvery_ NOTIFY viewChanged)
    Q_PROPERTY(QColor color MEMBER color_ NOTIFY viewChanged)
    Q_PROPERTY(QColor majorColor MEMBER majorColor_ NOTIFY viewChanged)

public:
    explicit CanvasGrid(QQuickItem* parent = nullptr);
    void setPanX(double v);
    void setPanY(double v);
    void setZoom(double v);

Q_SIGNALS:
    void viewChanged();

protected:
    QSGNode* updatePaintNode(QSGNode* old, UpdatePaintNodeData*) override;
    void geometryChange(const QRectF& newGeometry, const QRectF& oldGeometry) override;

private:
    double panX_ = 0, panY_ = 0, zoom_ = 1, spacing_ = 20;
    int majorEvery_ = 5;
    QColor color_{0x2a, 0x2d, 0x33}, majorColor_{0x33, 0x37, 0x3e};
};

}  // namespace tessera::editor
