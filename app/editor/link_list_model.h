#pragma once
// The links of a GraphDocument for QML and for the link renderer (LinkLayer).
#include "core/graph/graph.h"

#include <QAbstractListModel>
#include <QString>
#include <QVariantList>

#include <vector>

namespace tessera::editor {

class GraphDocument;

class LinkListModel : public QAbstractListModel {
    Q_OBJECT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)
    // Every reroute point of every link, flat, for the canvas' dots:
    // [{toNode, toInput, index, x, y, type}], in link id order then point order.
    Q_PROPERTY(QVariantList reroutes READ reroutes NOTIFY reroutesChanged)
    Q_PROPERTY(int rerouteCount READ rerouteCount NOTIFY reroutesChanged)

public:
    enum Role {
        LinkIdRole = Qt::UserRole + 1,  // "linkId"
        FromNodeRole,   // "fromNode"
        FromSlotRole,   // "fromSlot": output index
        ToNodeRole,     // "toNode"
        ToInputRole,    // "toInput": input name
        // "toSlot": the row of that input among the node's input ports: the declared inputs in
        // declaration order, keeping those that are not widgets plus widgets turned into inputs
        // (or fed by a link); see node_ports.h and NodeListModel's layout constants.
        ToSlotRole,
        TypeRole,       // "type": for the colour
        ReroutesRole,   // "reroutes": the points the link is drawn through, [QPointF], output to input
    };

    explicit LinkListModel(GraphDocument* document, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;
    Q_INVOKABLE QVariantMap get(int row) const;
    QVariantList reroutes() const { return reroutes_; }
    int rerouteCount() const { return int(reroutes_.size()); }

Q_SIGNALS:
    void countChanged();
    void reroutesChanged();

private:
    struct Row {
        qint64 id = 0, fromNode = 0, toNode = 0;
        int fromSlot = 0, toSlot = -1;
        QString toInput, type;
        std::vector<Point> reroutes;
        bool operator==(const Row&) const = default;
    };
    Row rowFor(qint64 linkId) const;
    // Brings the rows in line with the graph with row inserts and removals; rows are ordered by link id.
    void rebuild();
    void refreshInto(qint64 nodeId);  // a node's ports changed: its links' toSlot may have
    void refreshReroutes();           // rows whose points changed, and the flat list
    GraphDocument* doc_;
    std::vector<Row> rows_;
    QVariantList reroutes_;
};

}  // namespace tessera::editor
