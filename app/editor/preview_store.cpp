#include "app/editor/preview_store.h"

#include <QMutexLocker>

namespace tessera::editor {

QString PreviewStore::put(qint64 nodeId, const QImage& image) {
    QMutexLocker lock(&mutex_);
    images_.insert(nodeId, image);
    return QStringLiteral("image://preview/%1/%2").arg(nodeId).arg(++revision_);
}

QImage PreviewStore::get(qint64 nodeId) const {
    QMutexLocker lock(&mutex_);
    return images_.value(nodeId);
}

QImage PreviewStore::forProviderId(const QString& id) const {
    bool ok = false;
    const qint64 nodeId = id.section('/', 0, 0).toLongLong(&ok);
    return ok ? get(nodeId) : QImage();
}

void PreviewStore::clear() {
    QMutexLocker lock(&mutex_);
    images_.clear();
}

quint64 PreviewStore::revision() const {
    QMutexLocker lock(&mutex_);
    return revision_;
}

}  // namespace tessera::editor
