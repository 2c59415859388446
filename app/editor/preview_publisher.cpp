#include "app/editor/preview_publisher.h"

#include "app/editor/node_list_model.h"

#include <utility>

namespace tessera::editor {

PreviewPublisher::PreviewPublisher(NodeListModel* nodes, QObject* parent) : QObject(parent), nodes_(nodes) {
    flushTimer_.setSingleShot(true);
    flushTimer_.setInterval(16);  // about a frame at 60 Hz
    connect(&flushTimer_, &QTimer::timeout, this, &PreviewPublisher::flush);
}

void PreviewPublisher::post(qint64 nodeId, const QString& url) {
    pending_.insert(nodeId, url);
    if (!flushTimer_.isActive()) flushTimer_.start();
}

void PreviewPublisher::clear() {
    pending_.clear();
    flushTimer_.stop();
}

void PreviewPublisher::setViewer(const QObject* viewer, ShowsNode shows) { viewers_.insert(viewer, std::move(shows)); }

void PreviewPublisher::removeViewer(const QObject* viewer) { viewers_.remove(viewer); }

bool PreviewPublisher::shown(qint64 nodeId) const {
    if (viewers_.isEmpty()) return true;
    for (const ShowsNode& shows : viewers_)
        if (shows(nodeId)) return true;
    return false;
}

void PreviewPublisher::flush() {
    const QHash<qint64, QString> due = std::exchange(pending_, {});
    for (auto it = due.begin(); it != due.end(); ++it) {
        const bool notify = shown(it.key());
        nodes_->setPreview(it.key(), it.value(), notify);
        ++(notify ? shownUpdates_ : silentUpdates_);
    }
}

}  // namespace tessera::editor
