#include "app/editor/editor_settings.h"

#include "app/editor/document_util.h"

#include "core/exec/models_folder.h"

#include <QDir>
#include <QFileInfo>
#include <QSettings>
#include <QStandardPaths>
#include <QUrl>

namespace tessera::editor {

namespace {
constexpr int kMaxRecentFiles = 10;

}  // namespace

EditorSettings::EditorSettings(const QString& settingsFile, QObject* parent)
    : QObject(parent),
      settings_(settingsFile.isEmpty() ? new QSettings(this) : new QSettings(settingsFile, QSettings::IniFormat, this)) {}

EditorSettings::~EditorSettings() = default;

QString EditorSettings::text(const char* key, const QString& fallback) const {
    return settings_->value(key, fallback).toString();
}

void EditorSettings::setText(const char* key, const QString& value) {
    if (text(key, {}) == value) return;
    settings_->setValue(key, value);
    Q_EMIT changed();
}

QStringList EditorSettings::modelsFolders() const { return settings_->value("run/modelsFolders").toStringList(); }

void EditorSettings::setModelsFolders(const QStringList& dirs) {
    if (dirs == modelsFolders()) return;
    settings_->setValue("run/modelsFolders", dirs);
    Q_EMIT changed();
}

void EditorSettings::setModelsOverride(const QStringList& dirs) {
    modelsOverride_ = dirs;
    Q_EMIT changed();
}

QStringList EditorSettings::effectiveModelsFolders() const {
    std::vector<std::string> explicitDirs;
    for (const QString& d : modelsOverride_.isEmpty() ? modelsFolders() : modelsOverride_)
        if (!d.isEmpty()) explicitDirs.push_back(localPath(d).toStdString());
    QStringList out;
    for (const auto& d : resolveModelDirs(explicitDirs)) out << QString::fromStdString(d);
    return out;
}

QString EditorSettings::outputFolder() const {
    const QString pictures = QStandardPaths::writableLocation(QStandardPaths::PicturesLocation);
    return text("run/outputFolder", (pictures.isEmpty() ? QDir::homePath() : pictures) + "/Tessera");
}
void EditorSettings::setOutputFolder(const QString& dir) { setText("run/outputFolder", localPath(dir)); }
QString EditorSettings::device() const { return text("run/device", "auto"); }
void EditorSettings::setDevice(const QString& device) { setText("run/device", device); }
QString EditorSettings::precision() const { return text("run/precision", "auto"); }
void EditorSettings::setPrecision(const QString& precision) { setText("run/precision", precision); }
int EditorSettings::threads() const { return settings_->value("run/threads", 0).toInt(); }
void EditorSettings::setThreads(int threads) {
    if (threads == this->threads()) return;
    settings_->setValue("run/threads", threads);
    Q_EMIT changed();
}
QString EditorSettings::previewMethod() const { return text("run/previewMethod", "auto"); }
void EditorSettings::setPreviewMethod(const QString& method) { setText("run/previewMethod", method); }
QStringList EditorSettings::themes() const { return {"dark", "light", "system"}; }
QString EditorSettings::theme() const {
    const QString t = text("ui/theme", "dark");
    return themes().contains(t) ? t : QStringLiteral("dark");
}
void EditorSettings::setTheme(const QString& theme) {
    if (themes().contains(theme)) setText("ui/theme", theme);
}

QStringList EditorSettings::recentFiles() const { return settings_->value("files/recent").toStringList(); }

void EditorSettings::addRecentFile(const QString& pathOrUrl) {
    const QString path = QFileInfo(localPath(pathOrUrl)).absoluteFilePath();
    QStringList files = recentFiles();
    files.removeAll(path);
    files.prepend(path);
    while (files.size() > kMaxRecentFiles) files.removeLast();
    settings_->setValue("files/recent", files);
    Q_EMIT recentFilesChanged();
}

void EditorSettings::clearRecentFiles() {
    settings_->remove("files/recent");
    Q_EMIT recentFilesChanged();
}

Environment EditorSettings::environment() const {
    Environment env;
    for (const QString& d : effectiveModelsFolders()) env.modelDirs.push_back(d.toStdString());
    env.outputDir = outputFolder().toStdString();
    env.tempDir = (QDir::tempPath() + "/tessera-editor-temp").toStdString();
    env.device = device().toStdString();
    env.precision = precision().toStdString();
    env.previewMethod = previewMethod().toStdString();
    return env;
}

}  // namespace tessera::editor
