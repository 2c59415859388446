#include "app/editor/pose_keypoint_store.h"

#include "app/editor/graph_document.h"
#include "nodes/pose_keypoints.h"

namespace tessera::editor {

PoseKeypointStore::PoseKeypointStore(const GraphDocument* document, QObject* parent) : QObject(parent), doc_(document) {}

void PoseKeypointStore::record(const std::map<NodeId, std::vector<Value>>& outputs) {
    bool any = false;
    for (const auto& [node, values] : outputs) {
        for (size_t slot = 0; slot < values.size(); ++slot) {
            const auto pose = values[slot].as<nodes::PoseKeypointValue>();
            if (!pose) continue;
            values_[{qint64(node), int(slot)}] = QString::fromStdString(writeJson(nodes::poseFramesToJson(pose->frames)));
            any = true;
        }
    }
    if (!any) return;
    ++revision_;
    Q_EMIT changed();
}

QString PoseKeypointStore::json(qint64 node, int slot) const { return values_.value({node, slot}); }

QString PoseKeypointStore::arrivingAt(qint64 node, const QString& input) const {
    const Link* link = doc_->graph().linkInto(node, input.toStdString());
    return link ? json(link->fromNode, link->fromSlot) : QString();
}

void PoseKeypointStore::clear() {
    if (values_.isEmpty()) return;
    values_.clear();
    ++revision_;
    Q_EMIT changed();
}

}  // namespace tessera::editor
