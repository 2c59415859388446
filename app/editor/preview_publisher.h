#pragma once
// Hands sampler previews to NodeListModel at most once a frame, and only for the nodes a view
// shows. A run streams previews faster than the canvas redraws (several samplers, 10+ per
// second each); each one that reaches the model makes a delegate reload its image. Posted URLs
// wait here, the newest per node, and are flushed every `interval` ms: a node a viewer shows gets
// its URL with a dataChanged (one reload per frame at most), any other node gets it silently, so
// the delegate made when it comes into view reads the newest preview and nothing is decoded,
// uploaded or updated before that.
#include <QHash>
#include <QObject>
#include <QTimer>

#include <functional>

namespace tessera::editor {

class NodeListModel;

class PreviewPublisher : public QObject {
    Q_OBJECT

public:
    explicit PreviewPublisher(NodeListModel* nodes, QObject* parent = nullptr);

    // The node's newest preview URL (from PreviewStore::put); shown by the next flush.
    Q_INVOKABLE void post(qint64 nodeId, const QString& url);
    void clear();  // a new run: pending URLs dropped
    void setInterval(int ms) { flushTimer_.setInterval(ms); }

    // Views register which nodes they show (VisibleNodesModel: the nodes with a delegate).
    // Without any viewer every node counts as shown (headless use, tests of the models).
    using ShowsNode = std::function<bool(qint64 nodeId)>;
    void setViewer(const QObject* viewer, ShowsNode shows);
    void removeViewer(const QObject* viewer);

    // Posts so far handed on with a dataChanged, and silently (for the benchmark and tests).
    Q_INVOKABLE int shownUpdates() const { return shownUpdates_; }
    Q_INVOKABLE int silentUpdates() const { return silentUpdates_; }

private:
    void flush();
    bool shown(qint64 nodeId) const;

    NodeListModel* nodes_;
    QHash<qint64, QString> pending_;
    QHash<const QObject*, ShowsNode> viewers_;
    QTimer flushTimer_;
    int shownUpdates_ = 0, silentUpdates_ = 0;
};

}  // namespace tessera::editor
