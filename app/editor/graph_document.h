#pragma once
// The graph an artist edits in the desktop editor: a tessera::Graph plus its file, and every
// edit as an undoable command on a QUndoStack. The QML canvas calls the Q_INVOKABLE edits;
// NodeListModel and LinkListModel follow the signals. Refused edits return false/-1 and say
// why in lastError (shown in the status bar); they never change the graph.
#include "core/graph/graph.h"
#include "core/graph/registry.h"

#include <QObject>
#include <QRectF>
#include <QString>
#include <QStringList>
#include <QVariant>

#include <functional>
#include <memory>

class QTemporaryDir;
class QUndoStack;

namespace tessera::editor {

class DeltaBuilder;

class GraphDocument : public QObject {
    Q_OBJECT
    Q_PROPERTY(QString filePath READ filePath NOTIFY filePathChanged)
    Q_PROPERTY(QString displayName READ displayName NOTIFY filePathChanged)  // "Untitled" or the file name
    Q_PROPERTY(bool modified READ modified NOTIFY modifiedChanged)
    Q_PROPERTY(bool canUndo READ canUndo NOTIFY undoStateChanged)
    Q_PROPERTY(bool canRedo READ canRedo NOTIFY undoStateChanged)
    Q_PROPERTY(QString undoText READ undoText NOTIFY undoStateChanged)
    Q_PROPERTY(QString redoText READ redoText NOTIFY undoStateChanged)
    Q_PROPERTY(QString lastError READ lastError NOTIFY lastErrorChanged)
    Q_PROPERTY(QVariantList groups READ groups NOTIFY groupsChanged)  // [{title, x, y, width, height, color}]
    // What the last open() had to adjust or keep as placeholders (shown after opening).
    Q_PROPERTY(QStringList loadWarnings READ loadWarnings NOTIFY loadWarningsChanged)

public:
    explicit GraphDocument(const Registry& registry, QObject* parent = nullptr);
    ~GraphDocument() override;

    const Graph& graph() const { return graph_; }
    const Registry& registry() const { return registry_; }
    QUndoStack* undoStack() const { return undo_; }

    QString filePath() const { return filePath_; }
    QString displayName() const;
    bool modified() const;
    bool canUndo() const;
    bool canRedo() const;
    QString undoText() const;
    QString redoText() const;
    QString lastError() const { return lastError_; }
    QVariantList groups() const;
    QStringList loadWarnings() const { return loadWarnings_; }

    // ---- edits (each one undo step) ----
    // The new id, or -1. Widgets take their declared defaults (a COMBO without one: its first
    // choice, or the first file the choice lister gives); seeds start "randomize" like ComfyUI.
    Q_INVOKABLE qint64 addNode(const QString& type, double x, double y);
    Q_INVOKABLE void removeNodes(const QVariantList& ids);                 // with their links
    // Consecutive moves of the same node set merge into one undo step (a drag is one step).
    Q_INVOKABLE void moveNodes(const QVariantList& ids, double dx, double dy);
    Q_INVOKABLE void finishMove();  // ends merging of moves and resizes (mouse released)
    // Type-checked (types::compatible); replaces a link already feeding the input. Refuses
    // self-links, cycles and unknown ports. Dropping a link on a widget turns the widget into
    // an input (ComfyUI makes you convert it first; here the drop does it, in the same undo step).
    Q_INVOKABLE bool connectPorts(qint64 fromNode, int fromSlot, qint64 toNode, const QString& toInput);
    Q_INVOKABLE bool canConnect(qint64 fromNode, int fromSlot, qint64 toNode, const QString& toInput) const;
    Q_INVOKABLE void disconnectInput(qint64 toNode, const QString& toInput);
    // Reroute points of the link into (toNode, toInput): waypoints it is drawn through, in order
    // from its output (index 0) to its input. Moves of one point merge until finishMove().
    Q_INVOKABLE bool addReroute(qint64 toNode, const QString& toInput, int index, double x, double y);
    Q_INVOKABLE bool moveReroute(qint64 toNode, const QString& toInput, int index, double x, double y);
    Q_INVOKABLE bool removeReroute(qint64 toNode, const QString& toInput, int index);
    Q_INVOKABLE bool setWidgetValue(qint64 node, const QString& input, const QVariant& value);  // range/choice checked
    // The sweep saved with the graph ("NODE.INPUT=VALUES" per axis; empty removes it), one undo step.
    void setSavedSweep(const std::vector<std::string>& axes);
    // A widget shown as an input port (and back; turning it back drops the link feeding it).
    Q_INVOKABLE void setWidgetAsInput(qint64 node, const QString& input, bool asInput);
    Q_INVOKABLE void setControlAfterGenerate(qint64 node, const QString& input, const QString& mode);
    Q_INVOKABLE void setTitle(qint64 node, const QString& title);
    Q_INVOKABLE void setNote(qint64 node, const QString& note);
    Q_INVOKABLE void setCollapsed(qint64 node, bool collapsed);
    // Bypass and mute exclude each other, as ComfyUI's node mode does: setting one clears the other.
    Q_INVOKABLE void setBypassed(const QVariantList& ids, bool bypassed);
    Q_INVOKABLE void setMuted(const QVariantList& ids, bool muted);
    // Consecutive resizes of one node merge into one undo step until finishMove().
    Q_INVOKABLE void resizeNode(qint64 node, double width, double height);

    Q_INVOKABLE int addGroup(const QString& title, double x, double y, double width, double height,
                             const QString& color = "#3f5f7f");
    // The bounding box of the nodes plus a margin, titled "Group".
    Q_INVOKABLE int groupNodes(const QVariantList& ids);
    Q_INVOKABLE void updateGroup(int index, const QString& title, double x, double y, double width, double height,
                                 const QString& color);
    Q_INVOKABLE void removeGroup(int index);
    // The nodes whose rectangle lies inside the group (they move with it when it is dragged).
    Q_INVOKABLE QVariantList nodesInGroup(int index) const;

    // graph.json text holding the nodes and the links among them (the clipboard format; also
    // what other Tessera windows paste).
    Q_INVOKABLE QString copyNodes(const QVariantList& ids) const;
    // New ids for every pasted node, internal links kept, placed with their top-left at (x, y).
    Q_INVOKABLE QVariantList pasteNodes(const QString& json, double x, double y);
    Q_INVOKABLE QVariantList duplicateNodes(const QVariantList& ids);  // copy + paste 40 px down-right

    Q_INVOKABLE void undo();
    Q_INVOKABLE void redo();
    // Several edits as one undo step (e.g. "drop a link on empty canvas": add node + connect).
    Q_INVOKABLE void beginMacro(const QString& text);
    Q_INVOKABLE void endMacro();

    // ---- files (path or file:// URL; .tessera, graph.json, ComfyUI workflow/API JSON, PNG) ----
    Q_INVOKABLE void newGraph();
    Q_INVOKABLE bool open(const QString& pathOrUrl);
    Q_INVOKABLE bool save();  // to filePath (a .tessera bundle with its input images); false if none
    Q_INVOKABLE bool saveAs(const QString& pathOrUrl);
    // The graph written for ComfyUI (its editor's workflow, or its API prompt), leaving the file
    // name and the modified state alone: a line saying what was written plus any notes (an edited
    // subgraph saved as its nodes), or empty with lastError.
    Q_INVOKABLE QString exportToComfyUI(const QString& pathOrUrl, bool apiPrompt);
    // Crash recovery: a bundle of the graph and the input images that exist, written without
    // touching the undo stack, the file name or the modified state; recovery opens it as an
    // unsaved "Recovered graph" so Save asks where to put it.
    bool writeRecoveryCopy(const QString& path);
    bool openRecoveryCopy(const QString& path);
    // Where the images of an opened bundle were extracted (LoadImage resolves names here).
    QString inputDir() const { return inputDir_; }
    // The input folder of new graphs (the settings' one); an opened file sets its own.
    void setInputDir(const QString& dir);
    // Files opened from this folder (the shipped examples) are templates: they open unnamed, so
    // Save asks for a new file instead of overwriting the example.
    void setTemplatesFolder(const QString& dir) { templatesFolder_ = dir; }
    // Lists the files a COMBO with choicesFrom offers ("checkpoints", "input", ...), for addNode's defaults.
    void setChoiceLister(std::function<QStringList(const QString& kind)> lister) { choices_ = std::move(lister); }

    // ---- "inpaint this image" (inpaint_setup.h describes the graph built) ----
    // {"image": the LoadImage's file name, "imagePath": its absolute path, "maskFile": the name the
    // PaintedMask of this image uses or a new "<image base>_mask.png" not yet in the input folder,
    // "maskPath": its absolute path, "options": InpaintOptions::toVariant() read back from the
    // graph's nodes (defaults for what is absent)}. Empty, with lastError, unless a LoadImage.
    Q_INVOKABLE QVariantMap inpaintState(qint64 loadImageNode) const;
    // Builds or updates the inpainting graph around the LoadImage in one undo step. Refused (no
    // change) unless the node is a LoadImage and `maskFile` is a file in the input folder.
    Q_INVOKABLE bool applyInpaint(qint64 loadImageNode, const QString& maskFile, const QVariantMap& options);
    // Copies an image (path or file:// URL) into the input folder (made when the document has
    // none: the app data folder's "input") under a name not taken there; the name, or empty with lastError.
    Q_INVOKABLE QString importImage(const QString& url);
    // "Inpaint this image" on an output image: imports it, then points the graph's only LoadImage
    // that feeds an image-to-image chain at it, or adds a new LoadImage (one undo step). The
    // LoadImage's id, or -1 with lastError.
    Q_INVOKABLE qint64 loadImageFor(const QString& imagePathOrUrl);

    // ---- the sketch editor of a PaintedSketch (graph_document_sketch.cpp) ----
    // {"imagePath": the picture of the LoadImage feeding its `image` ("" when none: a blank canvas),
    // "sketchFile": its file, or a new "<image base>_sketch.png" not yet in the input folder,
    // "sketchPath", "lineColor", "background": its widgets}. Empty, with lastError, unless a PaintedSketch.
    Q_INVOKABLE QVariantMap sketchState(qint64 sketchNode) const;
    // Sets the node's sketch_file (and line_color, background unless empty) in one undo step;
    // refused unless the file is in the input folder.
    Q_INVOKABLE bool applySketch(qint64 sketchNode, const QString& sketchFile, const QString& lineColor = {},
                                 const QString& background = {});

    // ---- ComfyUI's deprecated nodes (graph_document_successor.cpp) ----
    // The display name of the node that replaces `node`'s deprecated type ("" when there is none).
    Q_INVOKABLE QString successorName(qint64 node) const;
    // Swaps `node` for that successor in one undo step: same place, title and mode, the widget values
    // it had, its links on the matching inputs and outputs (ControlNetApply's samplers also get their
    // negative conditioning through the successor). The new node's id, or -1 with lastError.
    Q_INVOKABLE qint64 replaceWithSuccessor(qint64 node);

    // Run-time changes that are not edits (seed "increment after run"): no undo step, marks modified.
    void applyAfterRunWidgetChanges();

Q_SIGNALS:
    void filePathChanged();
    void modifiedChanged();
    void undoStateChanged();
    void lastErrorChanged();
    void loadWarningsChanged();
    void groupsChanged();
    void nodeAdded(qint64 id);
    void nodeRemoved(qint64 id);
    void nodeChanged(qint64 id);        // anything of one node: widgets, title, flags, ports
    void nodeLayoutChanged(qint64 id);  // only its position or size (moves and resizes, many per second)
    void linksChanged();
    void graphReset();            // a whole new graph (new/open)

private:
    friend class DocumentEdit;  // the base of the undo commands (graph_commands.h) edits graph_ directly
    bool fail(const QString& why);
    bool commit(DeltaBuilder& edit, const QString& text);  // false when nothing changed
    // A new node staged on `edit` with addNode's default widgets.
    Node& stageNode(DeltaBuilder& edit, const NodeDecl& decl, double x, double y) const;
    QString effectiveInputDir() const;  // inputDir(), or the app data folder's "input" when none
    const Link* rerouted(qint64 toNode, const QString& toInput, int index, bool inserting);
    QString connectProblem(qint64 fromNode, int fromSlot, qint64 toNode, const QString& toInput) const;
    QVariantList pasteGraph(const Graph& source, double x, double y, const QString& text);
    void setFlag(const QVariantList& ids, bool value, bool Node::*flag, bool Node::*exclusive, const QString& text);
    bool writeTo(const QString& path);
    void resetTo(Graph graph);

    const Registry& registry_;
    Graph graph_;
    QUndoStack* undo_ = nullptr;
    QString filePath_;
    QString importedName_;  // a ComfyUI workflow or PNG opened: shown, never overwritten by save()
    QString inputDir_;
    QString baseInputDir_;
    QString templatesFolder_;  // setInputDir's: newGraph() goes back to it
    QString lastError_;
    QStringList loadWarnings_;
    std::unique_ptr<QTemporaryDir> extractDir_;  // an opened bundle's input images
    std::function<QStringList(const QString&)> choices_;
    int gesture_ = 0;               // bumped by finishMove(): moves of one drag merge
    bool changedAfterRun_ = false;  // seeds changed after a run (not undoable)
};

}  // namespace tessera::editor
