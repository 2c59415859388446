// GraphDocument's files: open anything graph_file reads, save .tessera bundles or graph.json.
#include "app/editor/document_util.h"
#include "app/editor/graph_document.h"
#include "core/common/error.h"
#include "core/io/atomic_file.h"
#include "core/io/bundle.h"
#include "core/io/comfyui_import.h"
#include "core/io/graph_file.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImageReader>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QUndoStack>

namespace tessera::editor {

// ---- files ----

void GraphDocument::setInputDir(const QString& dir) {
    inputDir_ = dir;
    baseInputDir_ = dir;
}

void GraphDocument::resetTo(Graph graph) {
    graph_ = std::move(graph);
    undo_->clear();
    ++gesture_;
    changedAfterRun_ = false;
    Q_EMIT graphReset();
    Q_EMIT groupsChanged();
    Q_EMIT filePathChanged();
    Q_EMIT modifiedChanged();
    Q_EMIT undoStateChanged();
}

void GraphDocument::newGraph() {
    filePath_.clear();
    importedName_.clear();
    extractDir_.reset();
    inputDir_ = baseInputDir_;
    loadWarnings_.clear();
    Q_EMIT loadWarningsChanged();
    resetTo(Graph());
}

bool GraphDocument::open(const QString& pathOrUrl) {
    const QString path = localPath(pathOrUrl);
    const QString name = QFileInfo(path).fileName();
    auto dir = std::make_unique<QTemporaryDir>();
    if (!dir->isValid()) return fail(QString("cannot open %1: no temporary folder for its images (%2)").arg(name, dir->errorString()));
    LoadedGraph loaded;
    try {
        loaded = openGraphFile(path, registry_, dir->path());
    } catch (const Error& e) {
        return fail(QString("cannot open %1: %2").arg(name, QString::fromUtf8(e.what())));
    }
    const bool native = loaded.kind == GraphFileKind::Bundle ||
                        (loaded.kind == GraphFileKind::Json && loaded.format == GraphFormat::Tessera);
    const bool isTemplate = !templatesFolder_.isEmpty() && QFileInfo(path).absolutePath() == QDir(templatesFolder_).absolutePath();
    filePath_ = native && !isTemplate ? path : QString();
    importedName_ = filePath_.isEmpty() ? (isTemplate ? tr("%1 (example)").arg(QFileInfo(path).completeBaseName()) : name) : QString();
    if (loaded.kind == GraphFileKind::Bundle) {
        inputDir_ = dir->path();
        extractDir_ = std::move(dir);
    } else {
        inputDir_ = loaded.inputDir;
        extractDir_.reset();
    }
    loadWarnings_.clear();
    for (const auto& w : loaded.report.warnings) loadWarnings_ << q(w);
    Q_EMIT loadWarningsChanged();
    resetTo(std::move(loaded.graph));
    return true;
}

bool GraphDocument::writeTo(const QString& path) {
    try {
        if (path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive)) {
            saveGraphJson(path, graph_);
        } else {
            Bundle bundle;
            bundle.graph = graph_;
            bundle.files = collectInputFiles(graph_, registry_, inputDir_);
            saveBundle(path, bundle);
        }
    } catch (const Error& e) {
        return fail(QString("cannot save %1: %2").arg(QFileInfo(path).fileName(), QString::fromUtf8(e.what())));
    }
    undo_->setClean();
    changedAfterRun_ = false;
    Q_EMIT modifiedChanged();
    return true;
}

QString GraphDocument::exportToComfyUI(const QString& pathOrUrl, bool apiPrompt) {
    QString path = localPath(pathOrUrl);
    if (path.isEmpty()) {
        fail(tr("no file name given"));
        return QString();
    }
    if (QFileInfo(path).suffix().isEmpty()) path += ".json";
    const QString name = QFileInfo(path).fileName();
    std::vector<std::string> notes;
    try {
        writeFileAtomically(path, apiPrompt ? graphToComfyPrompt(graph_, registry_) : graphToComfyWorkflow(graph_, registry_, &notes));
    } catch (const Error& e) {
        fail(QString("cannot export %1: %2").arg(name, QString::fromUtf8(e.what())));
        return QString();
    }
    QString summary = apiPrompt ? tr("Exported %1 as a ComfyUI API prompt").arg(name) : tr("Exported %1 as a ComfyUI workflow").arg(name);
    for (const std::string& note : notes) summary += QStringLiteral("; ") + q(note);
    return summary;
}

bool GraphDocument::writeRecoveryCopy(const QString& path) {
    try {
        Bundle bundle;
        bundle.graph = graph_;
        bundle.files = collectInputFiles(graph_, registry_, inputDir_, MissingInputFiles::Skip);
        saveBundle(path, bundle);
        return true;
    } catch (const Error& e) {
        return fail(QString("autosave failed: %1").arg(QString::fromUtf8(e.what())));
    }
}

bool GraphDocument::openRecoveryCopy(const QString& path) {
    if (!open(path)) return false;
    filePath_.clear();
    importedName_ = tr("Recovered graph");
    changedAfterRun_ = true;  // unsaved work: the close prompt asks before dropping it
    Q_EMIT filePathChanged();
    Q_EMIT modifiedChanged();
    return true;
}

QString GraphDocument::effectiveInputDir() const {
    if (!inputDir_.isEmpty()) return inputDir_;
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/input";
}

QString GraphDocument::importImage(const QString& url) {
    const QFileInfo source(localPath(url));
    const auto refuse = [this](const QString& why) {
        fail(why);
        return QString();
    };
    if (!source.isFile()) return refuse(QString("cannot import %1: there is no such file").arg(source.filePath()));
    if (QImageReader::imageFormat(source.absoluteFilePath()).isEmpty())
        return refuse(QString("cannot import %1: it is not an image Tessera can read").arg(source.fileName()));
    const QString dir = effectiveInputDir();
    if (inputDir_.isEmpty()) setInputDir(dir);
    if (!QDir().mkpath(dir)) return refuse(QString("cannot create the input folder %1").arg(dir));
    QString name = source.fileName();
    if (QFileInfo(QDir(dir).filePath(name)).absoluteFilePath() == source.absoluteFilePath()) return name;
    for (int i = 1; QFile::exists(QDir(dir).filePath(name)); ++i)
        name = source.completeBaseName() + QStringLiteral("_%1.").arg(i) + source.suffix();
    if (!QFile::copy(source.absoluteFilePath(), QDir(dir).filePath(name)))
        return refuse(QString("cannot copy %1 into the input folder %2").arg(source.fileName(), dir));
    return name;
}

bool GraphDocument::save() {
    if (filePath_.isEmpty()) return fail(tr("this graph has no file yet; use Save As"));
    return writeTo(filePath_);
}

bool GraphDocument::saveAs(const QString& pathOrUrl) {
    QString path = localPath(pathOrUrl);
    if (path.isEmpty()) return fail(tr("no file name given"));
    if (QFileInfo(path).suffix().isEmpty()) path += ".tessera";
    if (!writeTo(path)) return false;
    if (path != filePath_) {
        filePath_ = path;
        importedName_.clear();
        Q_EMIT filePathChanged();
    }
    return true;
}

}  // namespace tessera::editor
