#include "app/editor/link_list_model.h"

#include "app/editor/graph_document.h"
#include "app/editor/node_ports.h"

#include <QPointF>

namespace tessera::editor {

LinkListModel::LinkListModel(GraphDocument* document, QObject* parent) : QAbstractListModel(parent), doc_(document) {
    for (const auto& [id, l] : doc_->graph().links()) rows_.push_back(rowFor(id));
    connect(doc_, &GraphDocument::linksChanged, this, &LinkListModel::rebuild);
    connect(doc_, &GraphDocument::nodeChanged, this, &LinkListModel::refreshInto);
    connect(doc_, &GraphDocument::graphReset, this, [this] {
        beginResetModel();
        rows_.clear();
        for (const auto& [id, l] : doc_->graph().links()) rows_.push_back(rowFor(id));
        endResetModel();
        Q_EMIT countChanged();
        refreshReroutes();
    });
    refreshReroutes();
}

LinkListModel::Row LinkListModel::rowFor(qint64 linkId) const {
    const Graph& g = doc_->graph();
    const Link& l = g.links().at(linkId);
    Row r;
    r.id = l.id;
    r.fromNode = l.fromNode;
    r.fromSlot = l.fromSlot;
    r.toNode = l.toNode;
    r.toInput = QString::fromStdString(l.toInput);
    r.type = QString::fromStdString(l.type);
    r.reroutes = l.reroutes;
    if (const Node* to = g.node(l.toNode)) r.toSlot = inputPortRow(g, *to, doc_->registry().find(to->type), l.toInput);
    return r;
}

void LinkListModel::rebuild() {
    const auto& links = doc_->graph().links();
    const int before = rowCount();
    // Remove rows whose link is gone, from the back so row numbers stay valid.
    for (int i = int(rows_.size()) - 1; i >= 0; --i)
        if (!links.count(rows_[size_t(i)].id)) {
            int first = i;
            while (first > 0 && !links.count(rows_[size_t(first - 1)].id)) --first;
            beginRemoveRows({}, first, i);
            rows_.erase(rows_.begin() + first, rows_.begin() + i + 1);
            endRemoveRows();
            i = first;
        }
    // Insert the new links at their place in id order. Under its id a link changes only its
    // reroute points (refreshReroutes) and its toSlot, which changes with its node's ports and
    // comes with nodeChanged (refreshInto).
    size_t row = 0;
    for (const auto& [id, l] : links) {
        if (row >= rows_.size() || rows_[row].id != id) {
            beginInsertRows({}, int(row), int(row));
            rows_.insert(rows_.begin() + long(row), rowFor(id));
            endInsertRows();
        }
        ++row;
    }
    if (rowCount() != before) Q_EMIT countChanged();
    refreshReroutes();
}

void LinkListModel::refreshReroutes() {
    const auto& links = doc_->graph().links();
    QVariantList flat;
    for (size_t i = 0; i < rows_.size(); ++i) {
        Row& r = rows_[i];
        const auto it = links.find(r.id);
        if (it == links.end()) continue;
        if (it->second.reroutes != r.reroutes) {
            r.reroutes = it->second.reroutes;
            Q_EMIT dataChanged(index(int(i)), index(int(i)), {ReroutesRole});
        }
        for (size_t k = 0; k < r.reroutes.size(); ++k)
            flat.push_back(QVariantMap{{"toNode", r.toNode}, {"toInput", r.toInput}, {"index", int(k)},
                                       {"x", r.reroutes[k].x}, {"y", r.reroutes[k].y}, {"type", r.type}});
    }
    if (flat != reroutes_) {
        reroutes_ = std::move(flat);
        Q_EMIT reroutesChanged();
    }
}

void LinkListModel::refreshInto(qint64 nodeId) {
    for (size_t i = 0; i < rows_.size(); ++i)
        if (rows_[i].toNode == nodeId && doc_->graph().links().count(rows_[i].id)) {
            const Row fresh = rowFor(rows_[i].id);
            if (!(fresh == rows_[i])) {
                rows_[i] = fresh;
                Q_EMIT dataChanged(index(int(i)), index(int(i)), {ToSlotRole});
            }
        }
}

int LinkListModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(rows_.size()); }

QHash<int, QByteArray> LinkListModel::roleNames() const {
    return {{LinkIdRole, "linkId"}, {FromNodeRole, "fromNode"}, {FromSlotRole, "fromSlot"}, {ToNodeRole, "toNode"},
            {ToInputRole, "toInput"}, {ToSlotRole, "toSlot"},   {TypeRole, "type"},
            {ReroutesRole, "reroutes"}};
}

QVariant LinkListModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() < 0 || size_t(index.row()) >= rows_.size()) return {};
    const Row& r = rows_[size_t(index.row())];
    switch (role) {
        case LinkIdRole: return r.id;
        case FromNodeRole: return r.fromNode;
        case FromSlotRole: return r.fromSlot;
        case ToNodeRole: return r.toNode;
        case ToInputRole: return r.toInput;
        case ToSlotRole: return r.toSlot;
        case TypeRole: return r.type;
        case ReroutesRole: {
            QVariantList points;
            for (const Point& p : r.reroutes) points.push_back(QPointF(p.x, p.y));
            return points;
        }
        default: return {};
    }
}

QVariantMap LinkListModel::get(int row) const {
    QVariantMap m;
    if (row < 0 || row >= rowCount()) return m;
    const auto names = roleNames();
    for (auto it = names.begin(); it != names.end(); ++it)
        m[QString::fromUtf8(it.value())] = data(index(row), it.key());
    return m;
}

}  // namespace tessera::editor
