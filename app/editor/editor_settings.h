#pragma once
// The editor's preferences, kept with QSettings: where models are, where images go, how runs
// compute (device, precision, threads, preview method) and the look (theme). The settings dialog
// edits them; environment() turns them into what the executor needs.
#include "core/exec/environment.h"

#include <QObject>
#include <QStringList>

class QSettings;

namespace tessera::editor {

class EditorSettings : public QObject {
    Q_OBJECT
    // Models folders in search order; empty = the default search list (resolveModelDirs).
    Q_PROPERTY(QStringList modelsFolders READ modelsFolders WRITE setModelsFolders NOTIFY changed)
    Q_PROPERTY(QStringList effectiveModelsFolders READ effectiveModelsFolders NOTIFY changed)
    Q_PROPERTY(QString outputFolder READ outputFolder WRITE setOutputFolder NOTIFY changed)
    Q_PROPERTY(QString device READ device WRITE setDevice NOTIFY changed)              // auto | cpu | cuda
    Q_PROPERTY(QString precision READ precision WRITE setPrecision NOTIFY changed)     // auto | fp32 | fp16 | bf16
    Q_PROPERTY(int threads READ threads WRITE setThreads NOTIFY changed)               // 0 = all cores
    Q_PROPERTY(QString previewMethod READ previewMethod WRITE setPreviewMethod NOTIFY changed)  // auto | latent2rgb | taesd | none
    Q_PROPERTY(QString theme READ theme WRITE setTheme NOTIFY changed)                 // dark | light | system
    Q_PROPERTY(QStringList themes READ themes CONSTANT)
    Q_PROPERTY(QStringList recentFiles READ recentFiles NOTIFY recentFilesChanged)

public:
    // `settingsFile` empty: the platform's user settings; otherwise an INI file (tests).
    explicit EditorSettings(const QString& settingsFile = {}, QObject* parent = nullptr);
    ~EditorSettings() override;

    QStringList modelsFolders() const;
    void setModelsFolders(const QStringList& dirs);
    // --models on the command line: used instead of the saved folders, never saved.
    void setModelsOverride(const QStringList& dirs);
    QStringList effectiveModelsFolders() const;
    QString outputFolder() const;
    void setOutputFolder(const QString& dir);
    QString device() const;
    void setDevice(const QString& device);
    QString precision() const;
    void setPrecision(const QString& precision);
    int threads() const;
    void setThreads(int threads);
    QString previewMethod() const;
    void setPreviewMethod(const QString& method);
    QString theme() const;
    void setTheme(const QString& theme);  // ignores names not in themes()
    QStringList themes() const;            // "dark" (default), "light", "system" (the platform's)

    QStringList recentFiles() const;
    Q_INVOKABLE void addRecentFile(const QString& pathOrUrl);
    Q_INVOKABLE void clearRecentFiles();

    // Models folders, output and temp folders, device, precision, preview method (no input dir:
    // that belongs to the document).
    Environment environment() const;
    // The settings store itself, for models that keep their own entries (BackendListModel).
    QSettings* store() const { return settings_; }

Q_SIGNALS:
    void changed();
    void recentFilesChanged();

private:
    QString text(const char* key, const QString& fallback) const;
    void setText(const char* key, const QString& value);

    QSettings* settings_;
    QStringList modelsOverride_;
};

}  // namespace tessera::editor
