#pragma once
// The latest POSE_KEYPOINT value of each node output, as OpenPose JSON text, kept from the editor's
// runs (as PreviewStore keeps sampler previews) so the pose editor opens on what a DWPose/OpenPose
// preprocessor detected. A pose is a few KB of JSON: every output is kept until its node's next run
// replaces it.
#include "core/exec/run_result.h"

#include <QHash>
#include <QObject>
#include <QPair>
#include <QString>

#include <map>
#include <vector>

namespace tessera::editor {

class GraphDocument;

class PoseKeypointStore : public QObject {
    Q_OBJECT
    // Bumped whenever a run records keypoints (QML bindings re-read json()/arrivingAt()).
    Q_PROPERTY(int revision READ revision NOTIFY changed)

public:
    explicit PoseKeypointStore(const GraphDocument* document, QObject* parent = nullptr);

    // Keeps the POSE_KEYPOINT values among a run's node outputs (RunResult::outputs).
    void record(const std::map<NodeId, std::vector<Value>>& outputs);
    // OpenPose JSON of output `slot` of `node`; "" when no run produced one.
    Q_INVOKABLE QString json(qint64 node, int slot) const;
    // OpenPose JSON that reached `input` of `node`: the kept value of the output linked to it now; "".
    Q_INVOKABLE QString arrivingAt(qint64 node, const QString& input) const;
    Q_INVOKABLE int count() const { return int(values_.size()); }
    void clear();
    int revision() const { return revision_; }

Q_SIGNALS:
    void changed();

private:
    const GraphDocument* doc_;
    QHash<QPair<qint64, int>, QString> values_;
    int revision_ = 0;
};

}  // namespace tessera::editor
