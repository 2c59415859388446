#pragma once
// Draws every link of the canvas as cubic Béziers (one per stretch between its ends and its
// reroute points) in ONE scene-graph node (per-vertex colour
// by port type), plus the link being dragged. It lives inside the canvas' zoomed/panned content
// item, so panning and zooming never rebuild geometry; moving nodes or editing links does.
// Port positions come from the node model (x, y, width, collapsed, shown inputs) and the layout
// constants the QML delegates use (canvas_layout.h), so links meet the port dots.
#include <QAbstractItemModel>
#include <QColor>
#include <QHash>
#include <QPointF>
#include <QPointer>
#include <QQuickItem>
#include <QVariantMap>

#include <vector>

namespace tessera::editor {

class LinkLayer : public QQuickItem {
    Q_OBJECT
    Q_PROPERTY(QAbstractItemModel* nodes READ nodes WRITE setNodes NOTIFY nodesChanged)
    Q_PROPERTY(QAbstractItemModel* links READ links WRITE setLinks NOTIFY linksChanged)
    Q_PROPERTY(double lineWidth MEMBER lineWidth_ NOTIFY styleChanged)
    // A rim drawn under every link (transparent: none), so pale type colours read on light canvases.
    Q_PROPERTY(QColor outlineColor READ outlineColor WRITE setOutlineColor NOTIFY styleChanged)
    // The link being dragged from a port to the mouse (canvas coordinates).
    Q_PROPERTY(bool dragActive MEMBER dragActive_ NOTIFY dragChanged)
    Q_PROPERTY(QPointF dragFrom MEMBER dragFrom_ NOTIFY dragChanged)
    Q_PROPERTY(QPointF dragTo MEMBER dragTo_ NOTIFY dragChanged)
    Q_PROPERTY(QColor dragColor MEMBER dragColor_ NOTIFY dragChanged)
    Q_PROPERTY(int linkCount READ linkCount NOTIFY geometryRebuilt)

public:
    explicit LinkLayer(QQuickItem* parent = nullptr);

    QAbstractItemModel* nodes() const { return nodes_; }
    void setNodes(QAbstractItemModel* model);
    QAbstractItemModel* links() const { return links_; }
    void setLinks(QAbstractItemModel* model);
    int linkCount() const { return int(links_cache_.size()); }
    QColor outlineColor() const { return outlineColor_; }
    void setOutlineColor(const QColor& color);

    // Canvas position of a port: output `slot`, or the input at `slot` among the shown inputs.
    Q_INVOKABLE QPointF portPosition(qint64 nodeId, bool output, int slot) const;
    Q_INVOKABLE QPointF inputPosition(qint64 nodeId, const QString& input) const;
    // The port under canvas point (x, y) within `radius`: {nodeId, output, slot, name, type},
    // or an empty map.
    Q_INVOKABLE QVariantMap portAt(double x, double y, double radius = 12) const;
    // The link drawn within `radius` of canvas point (x, y): {toNode, toInput, index}, where
    // index is where a reroute point at (x, y) goes among the link's points; or an empty map.
    Q_INVOKABLE QVariantMap linkAt(double x, double y, double radius = 6) const;

Q_SIGNALS:
    void nodesChanged();
    void linksChanged();
    void styleChanged();
    void dragChanged();
    void geometryRebuilt();

protected:
    QSGNode* updatePaintNode(QSGNode* old, UpdatePaintNodeData*) override;

private:
    struct NodeGeom {
        double x = 0, y = 0, width = 0;
        bool collapsed = false;
        QHash<QString, int> inputSlots;  // shown input name -> slot
        QStringList inputNames, inputTypes, outputNames, outputTypes;  // shown ports, in slot order
    };
    struct LinkGeom {
        qint64 fromNode, toNode;
        int fromSlot;
        QString toInput;
        QColor color;
        std::vector<QPointF> reroutes;
    };
    struct Curve {
        QPointF p0, p3;
        QColor color;
        float widen = 0;  // added to the half width (the light theme's rims)
    };
    // A link's stretches: output → first reroute point → ... → input. Empty when a node is missing.
    std::vector<Curve> curvesOf(const LinkGeom& l) const;
    void rebuildNodes();
    void updateNodeRows(int first, int last);
    NodeGeom readNode(int row) const;
    void rebuildLinks();
    void markLinksDirty();

    QPointer<QAbstractItemModel> nodes_, links_;
    QHash<qint64, NodeGeom> nodeCache_;
    std::vector<LinkGeom> links_cache_;
    double lineWidth_ = 2.5;
    bool dragActive_ = false;
    QPointF dragFrom_, dragTo_;
    QColor dragColor_{Qt::white};
    QColor outlineColor_{Qt::transparent};
    bool linksDirty_ = true;
    QHash<QByteArray, int> nodeRoles_, linkRoles_;
};

}  // namespace tessera::editor
