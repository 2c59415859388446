#pragma once
// The latest sampler preview of each node, shared between the run controller (GUI thread,
// fed from executor events) and the image provider (the scene graph's loader thread).
// Each stored image gets a new revision so QML sees a new URL and reloads it.
#include <QHash>
#include <QImage>
#include <QMutex>
#include <QString>

namespace tessera::editor {

class PreviewStore {
public:
    // Stores `image` for `nodeId`; returns the URL QML shows: "image://preview/<id>/<revision>".
    QString put(qint64 nodeId, const QImage& image);
    // The latest image of a node (null when none).
    QImage get(qint64 nodeId) const;
    // "<id>/<revision>" (the provider's id) -> the node's latest image.
    QImage forProviderId(const QString& id) const;
    void clear();
    quint64 revision() const;

private:
    mutable QMutex mutex_;
    QHash<qint64, QImage> images_;
    quint64 revision_ = 0;
};

}  // namespace tessera::editor
