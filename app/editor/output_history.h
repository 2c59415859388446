#pragma once
// The images this session's runs wrote (SaveImage / PreviewImage), newest first, for the image
// viewer's strip. Each entry remembers the node and run it came from and the graph's input
// image at that run, so the viewer can offer a "before" to compare with (beforeFor).
#include "core/graph/graph.h"

#include <QAbstractListModel>
#include <QString>
#include <QVariantMap>

#include <vector>

namespace tessera::editor {

class OutputHistory : public QAbstractListModel {
    Q_OBJECT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)

public:
    enum Role {
        FileUrlRole = Qt::UserRole + 1,  // "fileUrl": file:///…/image.png
        FilePathRole,    // "filePath": the local path
        FileNameRole,    // "fileName"
        NodeIdRole,      // "nodeId"
        NodeTitleRole,   // "nodeTitle"
        RunIdRole,       // "runId": the run number of this session
    };
    struct Entry {
        QString fileUrl;
        qint64 nodeId = 0;
        QString nodeTitle;
        int runId = 0;
        QString inputImageUrl;  // the graph's LoadImage image at that run; empty if none
    };

    explicit OutputHistory(QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    // Adds an image as row 0. Beyond `limit` entries the oldest are dropped.
    void add(const Entry& entry);
    Q_INVOKABLE void addImage(const QString& fileUrl, qint64 nodeId, const QString& nodeTitle, int runId,
                              const QString& inputImageUrl = {}) {
        add({fileUrl, nodeId, nodeTitle, runId, inputImageUrl});
    }
    Q_INVOKABLE QVariantMap get(int row) const;  // the roles by name; empty when out of range
    // What to compare row `row` with: the previous output of the same node (an older row) or else
    // the run's input image. {fileUrl, label, row (-1 for the input image)}; empty if neither.
    Q_INVOKABLE QVariantMap beforeFor(int row) const;
    Q_INVOKABLE int rowOfUrl(const QString& fileUrl) const;  // -1 when absent
    Q_INVOKABLE void clear();
    void setLimit(int limit) { limit_ = limit; }

    // The file URL of the first LoadImage node's image (resolved in `inputDir`) that exists;
    // muted nodes do not count. Empty when the graph has none.
    static QString inputImageUrl(const Graph& graph, const QString& inputDir);

Q_SIGNALS:
    void countChanged();

private:
    std::vector<Entry> rows_;  // newest first
    int limit_ = 500;
};

}  // namespace tessera::editor
