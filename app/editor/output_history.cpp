#include "app/editor/output_history.h"

#include <QFileInfo>
#include <QUrl>

namespace tessera::editor {

OutputHistory::OutputHistory(QObject* parent) : QAbstractListModel(parent) {}

int OutputHistory::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(rows_.size()); }

QVariant OutputHistory::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() < 0 || index.row() >= int(rows_.size())) return {};
    const Entry& e = rows_[size_t(index.row())];
    switch (role) {
    case FileUrlRole: return e.fileUrl;
    case FilePathRole: return QUrl(e.fileUrl).toLocalFile();
    case FileNameRole: return QFileInfo(QUrl(e.fileUrl).toLocalFile()).fileName();
    case NodeIdRole: return e.nodeId;
    case NodeTitleRole: return e.nodeTitle;
    case RunIdRole: return e.runId;
    }
    return {};
}

QHash<int, QByteArray> OutputHistory::roleNames() const {
    return {{FileUrlRole, "fileUrl"}, {FilePathRole, "filePath"},   {FileNameRole, "fileName"},
            {NodeIdRole, "nodeId"},   {NodeTitleRole, "nodeTitle"}, {RunIdRole, "runId"}};
}

void OutputHistory::add(const Entry& entry) {
    beginInsertRows({}, 0, 0);
    rows_.insert(rows_.begin(), entry);
    endInsertRows();
    if (limit_ > 0 && int(rows_.size()) > limit_) {
        beginRemoveRows({}, limit_, int(rows_.size()) - 1);
        rows_.resize(size_t(limit_));
        endRemoveRows();
    }
    Q_EMIT countChanged();
}

QVariantMap OutputHistory::get(int row) const {
    QVariantMap out;
    if (row < 0 || row >= int(rows_.size())) return out;
    const auto roles = roleNames();
    for (auto it = roles.begin(); it != roles.end(); ++it) out.insert(it.value(), data(index(row), it.key()));
    return out;
}

QVariantMap OutputHistory::beforeFor(int row) const {
    if (row < 0 || row >= int(rows_.size())) return {};
    const Entry& e = rows_[size_t(row)];
    for (int older = row + 1; older < int(rows_.size()); ++older) {
        const Entry& o = rows_[size_t(older)];
        if (o.nodeId == e.nodeId && o.fileUrl != e.fileUrl)
            return {{"fileUrl", o.fileUrl}, {"label", tr("Run #%1").arg(o.runId)}, {"row", older}};
    }
    if (!e.inputImageUrl.isEmpty())
        return {{"fileUrl", e.inputImageUrl}, {"label", tr("Input image")}, {"row", -1}};
    return {};
}

int OutputHistory::rowOfUrl(const QString& fileUrl) const {
    for (size_t i = 0; i < rows_.size(); ++i)
        if (rows_[i].fileUrl == fileUrl) return int(i);
    return -1;
}

void OutputHistory::clear() {
    if (rows_.empty()) return;
    beginResetModel();
    rows_.clear();
    endResetModel();
    Q_EMIT countChanged();
}

QString OutputHistory::inputImageUrl(const Graph& graph, const QString& inputDir) {
    for (const auto& [id, node] : graph.nodes()) {
        if (node.type != "LoadImage" || node.muted) continue;
        const auto it = node.widgets.find("image");
        if (it == node.widgets.end() || it->second.toString().empty()) continue;
        const QString name = QString::fromStdString(it->second.toString());
        const QFileInfo file(QFileInfo(name).isAbsolute() || inputDir.isEmpty() ? name : inputDir + "/" + name);
        if (file.isFile()) return QUrl::fromLocalFile(file.absoluteFilePath()).toString();
    }
    return {};
}

}  // namespace tessera::editor
