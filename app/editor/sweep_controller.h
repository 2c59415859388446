#pragma once
// The editor's sweep panel model: one or two widgets with their values (typed as on the command
// line: "KSampler.denoise" and "0.3:0.9:0.15"), run on a worker thread through core/sweep's
// runner (its own Executor, so shared upstream work runs once per sweep), cells filled in as
// they finish, progress and cancel over the whole sweep, and "use these values": a cell's
// values set on the graph in one undo step. A graph opened with a saved sweep fills the fields.
#include "core/exec/environment.h"

#include <QObject>
#include <QStringList>
#include <QVariant>

#include <memory>

namespace tessera::editor {

class GraphDocument;

class SweepController : public QObject {
    Q_OBJECT
    Q_PROPERTY(QString xWidget READ xWidget WRITE setXWidget NOTIFY axesChanged)  // across: "KSampler.denoise"
    Q_PROPERTY(QString xValues READ xValues WRITE setXValues NOTIFY axesChanged)  // "0.3:0.9:0.15"
    Q_PROPERTY(QString yWidget READ yWidget WRITE setYWidget NOTIFY axesChanged)  // down; empty: one row
    Q_PROPERTY(QString yValues READ yValues WRITE setYValues NOTIFY axesChanged)
    Q_PROPERTY(bool running READ running NOTIFY runningChanged)
    Q_PROPERTY(double progress READ progress NOTIFY progressChanged)  // cells done + step within the cell, 0..1
    Q_PROPERTY(QString status READ status NOTIFY statusChanged)
    // The grid of the last sweep started: axis names, value labels, and per cell (row-major)
    // {column, row, label: "cfg=7", imageUrl: file URL once finished, else ""}.
    Q_PROPERTY(QString columnAxis READ columnAxis NOTIFY gridChanged)
    Q_PROPERTY(QString rowAxis READ rowAxis NOTIFY gridChanged)
    Q_PROPERTY(QStringList columnLabels READ columnLabels NOTIFY gridChanged)
    Q_PROPERTY(QStringList rowLabels READ rowLabels NOTIFY gridChanged)
    Q_PROPERTY(int columns READ columns NOTIFY gridChanged)
    Q_PROPERTY(QVariantList cells READ cells NOTIFY cellsChanged)

public:
    explicit SweepController(GraphDocument* document, QObject* parent = nullptr);
    ~SweepController() override;  // cancels a running sweep and waits for its thread

    void setEnvironment(const Environment& env) { env_ = env; }
    void setThreads(int threads) { threads_ = threads; }

    QString xWidget() const { return xWidget_; }
    QString xValues() const { return xValues_; }
    QString yWidget() const { return yWidget_; }
    QString yValues() const { return yValues_; }
    void setXWidget(const QString& v);
    void setXValues(const QString& v);
    void setYWidget(const QString& v);
    void setYValues(const QString& v);
    bool running() const { return running_; }
    double progress() const { return progress_; }
    QString status() const { return status_; }
    QString columnAxis() const { return columnAxis_; }
    QString rowAxis() const { return rowAxis_; }
    QStringList columnLabels() const { return columnLabels_; }
    QStringList rowLabels() const { return rowLabels_; }
    int columns() const { return int(columnLabels_.size()); }
    QVariantList cells() const { return cells_; }

    // Starts the sweep on a copy of the graph; false (with the reason in status) for bad axes or
    // while a sweep runs.
    Q_INVOKABLE bool start();
    Q_INVOKABLE void cancel();
    // Sets cell `index`'s widget values on the graph (one undo step); false if there is no such cell.
    Q_INVOKABLE bool applyCell(int index);

Q_SIGNALS:
    void axesChanged();
    void runningChanged();
    void progressChanged();
    void statusChanged();
    void gridChanged();
    void cellsChanged();
    void finished(bool ok, const QString& message);

private:
    void loadSavedSweep();
    void setStatus(const QString& s);

    struct Impl;
    std::unique_ptr<Impl> impl_;
    GraphDocument* doc_;
    Environment env_;
    int threads_ = 0;
    QString xWidget_, xValues_, yWidget_, yValues_;
    bool running_ = false;
    double progress_ = 0;
    QString status_;
    QString columnAxis_, rowAxis_;
    QStringList columnLabels_, rowLabels_;
    QVariantList cells_;
};

}  // namespace tessera::editor
