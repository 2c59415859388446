#pragma once
// The links of a GraphDocument for QML and for the link renderer (LinkLayer).
#include <QAbstractListModel>

#include <vector>

namespace tessera::editor {

class GraphDocument;

class LinkListModel : public QAbstractListModel {
    Q_OBJECT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)

public:
    enum Role {
        LinkIdRole = Qt::UserRole + 1,  // "linkId"
        FromNodeRole,   // "fromNode"
        FromSlotRole,   // "fromSlot": output index
        ToNodeRole,     // "toNode"
        ToInputRole,    // "toInput": input name
        ToSlotRole,     // "toSlot": index of that input among the node's shown input ports
        TypeRole,       // "type": for the colour
    };

    explicit LinkListModel(GraphDocument* document, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;
    Q_INVOKABLE QVariantMap get(int row) const;

signals:
    void countChanged();

private:
    void rebuild();
    GraphDocument* doc_;
    std::vector<qint64> ids_;
};

}  // namespace tessera::editor
