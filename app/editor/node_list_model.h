#pragma once
// The nodes of a GraphDocument for QML (one delegate per node on the canvas), with their run
// state. Rows follow the document's signals; node ids are stable, row order is insertion order.
#include <QAbstractListModel>
#include <QSet>
#include <QSizeF>
#include <QVariant>

#include <functional>
#include <vector>

namespace tessera {
struct Node;
}

namespace tessera::editor {

class GraphDocument;

class NodeListModel : public QAbstractListModel {
    Q_OBJECT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)
    Q_PROPERTY(QVariantList selection READ selection NOTIFY selectionChanged)

public:
    enum Role {
        NodeIdRole = Qt::UserRole + 1,  // "nodeId" (qint64)
        TypeRole,         // "type"
        TitleRole,        // "title": the node's title or its display name
        CategoryRole,     // "category"
        XRole, YRole,     // "x", "y": canvas position
        WidthRole, HeightRole,  // "width", "height": 0 = automatic
        // "inputs": [{name, type, isWidget, asInput, connected, value, min, max, step, choices (list),
        //             choicesFrom, multiline, controlAfterGenerate ("" | "fixed" | ...), optional, tooltip}]
        // every declared input in declaration order. asInput: drawn as a port (not a widget, or a
        // widget turned into an input, or one a link feeds); connected: a link feeds it.
        // choices of model/image COMBOs come from the models/input folders (see setChoiceLister);
        // min/max/step are null when the declaration has none.
        InputsRole,
        OutputsRole,      // "outputs": [{name, type}]
        StateRole,        // "state": "idle" | "queued" | "running" | "cached" | "done" | "failed"
        ProgressRole,     // "progress": 0..1 while running
        ErrorRole,        // "error": the failure message
        PreviewRole,      // "preview": image URL "image://preview/<id>/<revision>" or ""
        OutputImagesRole, // "outputImages": file URLs of images written by this node in the last run
        SelectedRole,     // "selected"
        BypassedRole, MutedRole, CollapsedRole,  // "bypassed", "muted", "collapsed"
        NoteRole,         // "note"
        UnknownTypeRole,  // "unknownType": placeholder for a type no registry entry has
        RectRole,         // "rect": the node's canvas rectangle (nodeRect: automatic sizes estimated)
        RunNotesRole,     // "runNotes": what the node told the user in the last run (NodeContext::note)
    };

    explicit NodeListModel(GraphDocument* document, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    Q_INVOKABLE int rowOf(qint64 nodeId) const;  // -1 when absent
    Q_INVOKABLE QVariantMap get(int row) const;  // every role by name

    // Selection (kept here so copy/delete/bypass act on it from C++ and QML alike).
    QVariantList selection() const;
    Q_INVOKABLE void select(qint64 nodeId, bool additive = false);
    Q_INVOKABLE void setSelection(const QVariantList& ids);
    Q_INVOKABLE void selectInRect(double x, double y, double width, double height, bool additive = false);
    Q_INVOKABLE void clearSelection();
    Q_INVOKABLE void selectAll();
    // The bounding rectangle {x, y, width, height} of the given nodes (all nodes when empty),
    // using each node's size (automatic sizes estimated) for "fit all / fit selection".
    Q_INVOKABLE QVariantMap boundingRect(const QVariantList& ids = {}) const;

    // Run state (set by the run controller on the GUI thread).
    void setRunState(qint64 nodeId, const QString& state, double progress = 0, const QString& error = {});
    // notify false: stored without dataChanged (a node no view shows; PreviewPublisher).
    void setPreview(qint64 nodeId, const QString& url, bool notify = true);
    void addOutputImage(qint64 nodeId, const QString& url);
    void addRunNote(qint64 nodeId, const QString& text);
    void resetRunState();  // every node back to idle, previews, output images and notes cleared

    // Lists the file choices of a COMBO with choicesFrom ("checkpoints", "input", ...).
    using ChoiceLister = std::function<QStringList(const QString& kind)>;
    void setChoiceLister(ChoiceLister lister);

    // Canvas layout of a node, shared with the QML node delegate, which must draw with the same
    // numbers (links end at port centres computed from them):
    //   header (title bar)             kHeaderHeight
    //   port rows                      max(input ports, outputs) x kRowHeight; row k holds input port k
    //                                  (LinkListModel's toSlot) on the left and output k on the right;
    //                                  its centre is at y = kHeaderHeight + (k + 0.5) * kRowHeight
    //   widget rows                    kRowHeight each (a seed's "control after generate" is a second row)
    //   multi-line text widgets        kMultilineHeight each
    //   bottom padding                 kBottomPadding
    // Width kDefaultWidth. A collapsed node is kHeaderHeight high.
    static constexpr double kHeaderHeight = 30;
    static constexpr double kRowHeight = 24;
    static constexpr double kMultilineHeight = 80;
    static constexpr double kBottomPadding = 8;
    static constexpr double kDefaultWidth = 240;

    // The node's size used when it has none (the layout above). `widgets` counts widget rows.
    static QSizeF estimatedSize(int inputs, int outputs, int widgets, int multilineWidgets);

Q_SIGNALS:
    void countChanged();
    void selectionChanged();

private:
    void onNodeAdded(qint64 id);
    void onNodeRemoved(qint64 id);
    void onNodeChanged(qint64 id);
    void onGraphReset();
    void reindex(size_t from = 0);
    void changed(qint64 id, const QList<int>& roles = {});
    QVariantList inputsOf(const tessera::Node& node) const;
    QVariantList outputsOf(const tessera::Node& node) const;

    struct RunState {
        QString state = "idle";
        double progress = 0;
        QString error, preview;
        QStringList outputImages, notes;
    };
    GraphDocument* doc_;
    std::vector<qint64> ids_;
    QHash<qint64, int> rows_;  // id -> row
    QHash<qint64, RunState> run_;
    QSet<qint64> selected_;
    ChoiceLister choices_;
};

}  // namespace tessera::editor
