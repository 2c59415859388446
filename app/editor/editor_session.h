#pragma once
// Everything one editor window works with, owned in one place and exposed to QML as the
// context object "editor": editor.document, editor.nodes, editor.links, editor.catalog,
// editor.runner, editor.settings, editor.outputs (the images the runs wrote), editor.backends, editor.sweep (the sweep panel), editor.previewPublisher (what the canvas shows of running previews). The app's main() and the Qt Quick Test setup build it the
// same way (registerBuiltinNodes + the plugins folder).
#include "core/graph/registry.h"

#include <QObject>
#include <QStringList>

#include <memory>

class QQmlEngine;

namespace tessera::editor {

class GraphDocument;
class NodeListModel;
class LinkListModel;
class NodeCatalog;
class RunController;
class PreviewStore;
class PreviewPublisher;
class EditorSettings;
class OutputHistory;
class BackendListModel;
class SweepController;
class PoseKeypointStore;

class EditorSession : public QObject {
    Q_OBJECT
    // moc needs the complete types of the properties below.
    Q_MOC_INCLUDE("app/editor/graph_document.h")
    Q_MOC_INCLUDE("app/editor/node_list_model.h")
    Q_MOC_INCLUDE("app/editor/link_list_model.h")
    Q_MOC_INCLUDE("app/editor/node_catalog.h")
    Q_MOC_INCLUDE("app/editor/run_controller.h")
    Q_MOC_INCLUDE("app/editor/editor_settings.h")
    Q_MOC_INCLUDE("app/editor/output_history.h")
    Q_MOC_INCLUDE("app/editor/backend_list_model.h")
    Q_MOC_INCLUDE("app/editor/sweep_controller.h")
    Q_MOC_INCLUDE("app/editor/preview_publisher.h")
    Q_MOC_INCLUDE("app/editor/pose_keypoint_store.h")
    Q_PROPERTY(tessera::editor::GraphDocument* document READ document CONSTANT)
    Q_PROPERTY(tessera::editor::NodeListModel* nodes READ nodes CONSTANT)
    Q_PROPERTY(tessera::editor::LinkListModel* links READ links CONSTANT)
    Q_PROPERTY(tessera::editor::NodeCatalog* catalog READ catalog CONSTANT)
    Q_PROPERTY(tessera::editor::RunController* runner READ runner CONSTANT)
    Q_PROPERTY(tessera::editor::EditorSettings* settings READ settings CONSTANT)
    Q_PROPERTY(tessera::editor::OutputHistory* outputs READ outputs CONSTANT)
    Q_PROPERTY(tessera::editor::BackendListModel* backends READ backends CONSTANT)  // Settings > Backends
    Q_PROPERTY(tessera::editor::SweepController* sweep READ sweep CONSTANT)
    // "<file>: <why>" for each plugin that was skipped at start (shown once in the status bar).
    Q_PROPERTY(tessera::editor::PreviewPublisher* previewPublisher READ previewPublisher CONSTANT)
    Q_PROPERTY(QStringList pluginProblems READ pluginProblems CONSTANT)
    // The last runs' POSE_KEYPOINT outputs as OpenPose JSON (the pose editor opens on them).
    Q_PROPERTY(tessera::editor::PoseKeypointStore* poses READ poses CONSTANT)

public:
    explicit EditorSession(QObject* parent = nullptr);
    // Settings kept in the INI file `settingsFile` instead of the user's (tests, benchmarks).
    explicit EditorSession(const QString& settingsFile, QObject* parent = nullptr);
    ~EditorSession() override;

    GraphDocument* document() const;
    NodeListModel* nodes() const;
    LinkListModel* links() const;
    NodeCatalog* catalog() const;
    RunController* runner() const;
    PreviewStore* previews() const;
    PreviewPublisher* previewPublisher() const;
    EditorSettings* settings() const;
    OutputHistory* outputs() const;
    BackendListModel* backends() const;
    SweepController* sweep() const;
    PoseKeypointStore* poses() const;
    const Registry& registry() const { return registry_; }
    QStringList pluginProblems() const { return pluginProblems_; }

    // Sets the "editor" context property and the "preview" image provider on `engine`.
    // Defined in app/gui (it needs Qt Qml; the models here stay Qt Core + Gui).
    void exposeTo(QQmlEngine* engine);

private:
    Registry registry_;
    QStringList pluginProblems_;
    struct Parts;
    std::unique_ptr<Parts> parts_;
};

}  // namespace tessera::editor
