#pragma once
// Every node of the canvas drawn as plain rectangles in ONE scene-graph node: frame, title bar
// in its category colour, port squares in their type colours, selection / run-state outline,
// bypass tint and mute fading. The canvas shows it instead of the QML node delegates below the
// low-detail zoom, where titles and widgets are too small to read, and the minimap draws the
// graph with it (showPorts false: each node filled with its title colour, selected ones with the
// selection colour, at least minNodeSize). Geometry is rebuilt only when the nodes change, never
// when the view pans or zooms; model changes are read in updatePolish, once per frame.
// nodeAt() is the hit test the canvas uses in place of the delegates' mouse areas.
#include "app/gui/title_labels.h"

#include <QAbstractItemModel>
#include <QColor>
#include <QHash>
#include <QJSValue>
#include <QPointer>
#include <QQuickItem>
#include <QRectF>
#include <QVariantMap>

#include <vector>

namespace tessera::editor {

class NodeLodLayer : public QQuickItem {
    Q_OBJECT
    Q_PROPERTY(QAbstractItemModel* nodes READ nodes WRITE setNodes NOTIFY nodesChanged)
    Q_PROPERTY(bool showPorts MEMBER showPorts_ NOTIFY styleChanged)
    // Titles as cached images (TitleImages), for zooms where they are big enough to read.
    Q_PROPERTY(bool showTitles MEMBER showTitles_ NOTIFY styleChanged)
    Q_PROPERTY(QColor textColor MEMBER textColor_ NOTIFY styleChanged)
    // Nodes are drawn at least this wide and high (item units; the minimap keeps them visible).
    Q_PROPERTY(double minNodeSize MEMBER minNodeSize_ NOTIFY styleChanged)
    Q_PROPERTY(QColor nodeColor MEMBER nodeColor_ NOTIFY styleChanged)
    Q_PROPERTY(QColor borderColor MEMBER borderColor_ NOTIFY styleChanged)
    Q_PROPERTY(QColor selectionColor MEMBER selectionColor_ NOTIFY styleChanged)
    Q_PROPERTY(QColor bypassColor MEMBER bypassColor_ NOTIFY styleChanged)
    Q_PROPERTY(QColor unknownColor MEMBER unknownColor_ NOTIFY styleChanged)
    // function(category) and function(state) returning a colour (the Theme's); reassigning one
    // (on a theme change) recolours every node.
    Q_PROPERTY(QJSValue categoryColor READ categoryColor WRITE setCategoryColor NOTIFY styleChanged)
    Q_PROPERTY(QJSValue stateColor READ stateColor WRITE setStateColor NOTIFY styleChanged)
    // What the mouse is over: a node id (or -1) and a port ({nodeId, output, slot} or {}).
    Q_PROPERTY(QVariant hoverNode MEMBER hoverNode_ NOTIFY hoverChanged)
    Q_PROPERTY(QVariantMap hoverPort MEMBER hoverPort_ NOTIFY hoverChanged)

public:
    explicit NodeLodLayer(QQuickItem* parent = nullptr);

    QAbstractItemModel* nodes() const { return nodes_; }
    void setNodes(QAbstractItemModel* model);
    QJSValue categoryColor() const { return categoryColor_; }
    void setCategoryColor(const QJSValue& f);
    QJSValue stateColor() const { return stateColor_; }
    void setStateColor(const QJSValue& f);

    // The topmost node whose rectangle holds canvas point (x, y): its id, or -1.
    Q_INVOKABLE QVariant nodeAt(double x, double y) const;
    // Whether canvas point (x, y) is on node `nodeId`'s title bar (where it is dragged from).
    Q_INVOKABLE bool onTitleBar(qint64 nodeId, double x, double y) const;

Q_SIGNALS:
    void nodesChanged();
    void styleChanged();
    void hoverChanged();

protected:
    void updatePolish() override;
    QSGNode* updatePaintNode(QSGNode* old, UpdatePaintNodeData*) override;

private:
    struct NodeLook {
        qint64 id = -1;
        QRectF rect;
        bool collapsed = false, selected = false, bypassed = false, muted = false;
        QColor title, state;  // state: transparent when idle
        double progress = 0;  // while running
        QString label;        // TitleImages' key (showTitles)
        QSizeF labelSize;
        std::vector<QColor> inputs, outputs;  // shown ports' type colours, in slot order
    };
    NodeLook readNode(int row) const;
    QColor categoryColorOf(const QString& category) const;
    void rebuild();                         // every node read again (soon)
    void updateRows(int first, int last);   // these rows read again (soon)
    void refresh() const;                   // the pending reads now
    void markDirty();

    QPointer<QAbstractItemModel> nodes_;
    QHash<QByteArray, int> roles_;
    mutable std::vector<NodeLook> looks_;  // row order = paint order
    mutable bool rebuildPending_ = true;
    mutable std::vector<int> dirtyRows_;
    mutable QHash<QString, QColor> categoryColors_;
    bool showPorts_ = true, showTitles_ = false;
    QColor textColor_{Qt::white};
    mutable TitleImages titleImages_;
    double minNodeSize_ = 0;
    QColor nodeColor_{0x2a, 0x2d, 0x34}, borderColor_{0x3a, 0x3f, 0x49}, selectionColor_{Qt::white},
        bypassColor_{0x9b, 0x59, 0xd0}, unknownColor_{0x6b, 0x2a, 0x2a};
    QJSValue categoryColor_, stateColor_;
    QVariant hoverNode_{-1};
    QVariantMap hoverPort_;
    bool dirty_ = true;
};

}  // namespace tessera::editor
