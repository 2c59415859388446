#pragma once
// Small conversions shared by GraphDocument's source files.
#include "core/graph/graph.h"

#include <QString>
#include <QUrl>
#include <QVariant>

#include <algorithm>
#include <string>
#include <vector>

namespace tessera::editor {

inline QString q(const std::string& s) { return QString::fromStdString(s); }

// A widget's value as QML sees it (numbers, booleans, text); other values are empty.
inline QVariant widgetVariant(const Value& v) {
    if (v.isInt()) return QVariant(qlonglong(v.toInt()));
    if (v.isFloat()) return QVariant(v.toFloat());
    if (v.isBool()) return QVariant(v.toBool());
    if (v.isString()) return QVariant(q(v.toString()));
    return {};
}

// QML hands file dialogs' results over as file:// URLs.
inline QString localPath(const QString& pathOrUrl) {
    if (pathOrUrl.startsWith(QLatin1String("file:"))) return QUrl(pathOrUrl).toLocalFile();
    return pathOrUrl;
}

// Node ids from QML (numbers of any kind), each once, in the given order.
inline std::vector<NodeId> toIds(const QVariantList& ids) {
    std::vector<NodeId> out;
    for (const QVariant& v : ids) {
        bool ok = false;
        const NodeId id = v.toLongLong(&ok);
        if (ok && std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
    }
    return out;
}

}  // namespace tessera::editor
