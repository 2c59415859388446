#include "app/editor/editor_session.h"

#include "app/editor/backend_list_model.h"
#include "app/editor/editor_settings.h"
#include "app/editor/examples_folder.h"
#include "app/editor/graph_document.h"
#include "app/editor/link_list_model.h"
#include "app/editor/node_catalog.h"
#include "app/editor/node_list_model.h"
#include "app/editor/pose_keypoint_store.h"
#include "app/editor/output_history.h"
#include "app/editor/preview_publisher.h"
#include "app/editor/preview_store.h"
#include "app/editor/run_controller.h"
#include "app/editor/sweep_controller.h"
#include "core/plugin/plugin_loader.h"
#include "nodes/builtin_nodes.h"

#include <QCoreApplication>

namespace tessera::editor {

struct EditorSession::Parts {
    PreviewStore previews;
    EditorSettings* settings = nullptr;
    GraphDocument* document = nullptr;
    NodeListModel* nodes = nullptr;
    LinkListModel* links = nullptr;
    NodeCatalog* catalog = nullptr;
    RunController* runner = nullptr;
    PreviewPublisher* previewPublisher = nullptr;
    OutputHistory* outputs = nullptr;
    BackendListModel* backends = nullptr;
    SweepController* sweep = nullptr;
    PoseKeypointStore* poses = nullptr;
};

EditorSession::EditorSession(QObject* parent) : EditorSession(QString(), parent) {}

EditorSession::EditorSession(const QString& settingsFile, QObject* parent)
    : QObject(parent), parts_(std::make_unique<Parts>()) {
    nodes::registerBuiltinNodes(registry_);
    for (const auto& problem : loadPlugins(registry_, pluginDirs()).problems)
        pluginProblems_ << QString::fromStdString(problem);
    Parts& p = *parts_;
    p.settings = new EditorSettings(settingsFile, this);
    p.document = new GraphDocument(registry_, this);
    if (QCoreApplication::instance())
        p.document->setTemplatesFolder(examplesFolder(QCoreApplication::applicationDirPath()));
    p.nodes = new NodeListModel(p.document, this);
    p.links = new LinkListModel(p.document, this);
    p.catalog = new NodeCatalog(registry_, this);
    p.runner = new RunController(p.document, p.nodes, &p.previews, this);
    p.previewPublisher = new PreviewPublisher(p.nodes, this);
    p.runner->setPreviewPublisher(p.previewPublisher);
    p.outputs = new OutputHistory(this);
    p.runner->setOutputHistory(p.outputs);
    p.poses = new PoseKeypointStore(p.document, this);
    p.runner->setPoseKeypoints(p.poses);
    connect(p.document, &GraphDocument::graphReset, p.poses, &PoseKeypointStore::clear);  // node ids start over
    p.backends = new BackendListModel(p.settings->store(), this);
    auto applyBackends = [this] { parts_->runner->setBackends(parts_->backends->entries()); };
    applyBackends();
    connect(p.backends, &BackendListModel::backendsChanged, this, applyBackends);
    p.sweep = new SweepController(p.document, this);

    // File choices of COMBOs (checkpoints, input images, ...) follow the settings and the document.
    auto lister = [this](const QString& kind) {
        Environment env = parts_->settings->environment();
        env.inputDir = parts_->document->inputDir().toStdString();
        QStringList out;
        for (const auto& name : env.listModels(kind.toStdString())) out << QString::fromStdString(name);
        return out;
    };
    p.nodes->setChoiceLister(lister);
    p.document->setChoiceLister(lister);
    auto applySettings = [this] {
        parts_->runner->setEnvironment(parts_->settings->environment());
        parts_->runner->setThreads(parts_->settings->threads());
        parts_->sweep->setEnvironment(parts_->settings->environment());
        parts_->sweep->setThreads(parts_->settings->threads());
    };
    applySettings();
    connect(p.settings, &EditorSettings::changed, this, applySettings);
}

EditorSession::~EditorSession() {
    // The runner's executor stops its worker before the document and models it reports to go.
    delete parts_->runner;
    delete parts_->sweep;
    delete parts_->previewPublisher;
    // Then the models and the document, while the registry they refer to still exists.
    delete parts_->nodes;
    delete parts_->links;
    delete parts_->catalog;
    delete parts_->document;
}

GraphDocument* EditorSession::document() const { return parts_->document; }
NodeListModel* EditorSession::nodes() const { return parts_->nodes; }
LinkListModel* EditorSession::links() const { return parts_->links; }
NodeCatalog* EditorSession::catalog() const { return parts_->catalog; }
SweepController* EditorSession::sweep() const { return parts_->sweep; }
PoseKeypointStore* EditorSession::poses() const { return parts_->poses; }
RunController* EditorSession::runner() const { return parts_->runner; }
PreviewStore* EditorSession::previews() const { return &parts_->previews; }
PreviewPublisher* EditorSession::previewPublisher() const { return parts_->previewPublisher; }
EditorSettings* EditorSession::settings() const { return parts_->settings; }
OutputHistory* EditorSession::outputs() const { return parts_->outputs; }
BackendListModel* EditorSession::backends() const { return parts_->backends; }

}  // namespace tessera::editor
