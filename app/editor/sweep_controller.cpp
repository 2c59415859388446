#include "app/editor/sweep_controller.h"

#include "app/editor/document_util.h"
#include "app/editor/graph_document.h"
#include "core/common/error.h"
#include "core/engine/compute/device.h"
#include "core/exec/executor.h"
#include "core/sweep/sweep_runner.h"

#include <QUrl>

#include <filesystem>
#include <thread>

namespace tessera::editor {
namespace {

QStringList toQStrings(const std::vector<std::string>& v) {
    QStringList out;
    for (const auto& s : v) out << QString::fromStdString(s);
    return out;
}

}  // namespace

struct SweepController::Impl {
    explicit Impl(const Registry& registry) : executor(registry) {}
    ~Impl() {
        cancel.cancel();
        if (worker.joinable()) worker.join();
    }
    Sweep sweep;
    CancelToken cancel;
    Executor executor;
    std::thread worker;  // last: joined first
};

SweepController::SweepController(GraphDocument* document, QObject* parent)
    : QObject(parent), impl_(std::make_unique<Impl>(document->registry())), doc_(document) {
    connect(doc_, &GraphDocument::graphReset, this, &SweepController::loadSavedSweep);
    loadSavedSweep();
}

SweepController::~SweepController() = default;

void SweepController::setXWidget(const QString& v) { if (v != xWidget_) { xWidget_ = v; Q_EMIT axesChanged(); } }
void SweepController::setXValues(const QString& v) { if (v != xValues_) { xValues_ = v; Q_EMIT axesChanged(); } }
void SweepController::setYWidget(const QString& v) { if (v != yWidget_) { yWidget_ = v; Q_EMIT axesChanged(); } }
void SweepController::setYValues(const QString& v) { if (v != yValues_) { yValues_ = v; Q_EMIT axesChanged(); } }

void SweepController::setStatus(const QString& s) {
    status_ = s;
    Q_EMIT statusChanged();
}

void SweepController::loadSavedSweep() {
    std::vector<std::string> axes;
    try {
        axes = savedSweep(doc_->graph());
    } catch (const Error&) {
        return;  // an unreadable saved sweep leaves the fields as they are
    }
    QString fields[2][2];
    for (size_t a = 0; a < axes.size() && a < 2; ++a) {
        const QString text = QString::fromStdString(axes[a]);
        const auto eq = text.indexOf('=');
        fields[a][0] = text.left(eq);
        fields[a][1] = eq < 0 ? QString() : text.mid(eq + 1);
    }
    if (axes.empty()) return;
    xWidget_ = fields[0][0];
    xValues_ = fields[0][1];
    yWidget_ = fields[1][0];
    yValues_ = fields[1][1];
    Q_EMIT axesChanged();
}

bool SweepController::start() {
    if (running_) return false;
    std::vector<std::string> axes{(xWidget_.trimmed() + "=" + xValues_).toStdString()};
    if (!yWidget_.trimmed().isEmpty()) axes.push_back((yWidget_.trimmed() + "=" + yValues_).toStdString());
    const Graph graph = doc_->graph();
    Environment env = env_;
    if (!doc_->inputDir().isEmpty()) env.inputDir = doc_->inputDir().toStdString();
    try {
        impl_->sweep = resolveSweep(graph, doc_->registry(), axes);
        if (!env.outputDir.empty()) std::filesystem::create_directories(env.outputDir);
        if (!env.tempDir.empty()) std::filesystem::create_directories(env.tempDir);
    } catch (const std::exception& e) {
        setStatus(QString::fromUtf8(e.what()));
        return false;
    }
    // The sweep is part of the document: saved with it, undoable like any edit.
    try {
        if (savedSweep(doc_->graph()) != axes) doc_->setSavedSweep(axes);
    } catch (const Error&) {
        doc_->setSavedSweep(axes);  // replaces an unreadable one
    }
    const Sweep& sweep = impl_->sweep;
    columnAxis_ = QString::fromStdString(sweep.axes[0].name);
    columnLabels_ = toQStrings(sweep.axes[0].values.labels);
    rowAxis_ = sweep.axes.size() > 1 ? QString::fromStdString(sweep.axes[1].name) : QString();
    rowLabels_ = sweep.axes.size() > 1 ? toQStrings(sweep.axes[1].values.labels) : QStringList();
    cells_.clear();
    for (const SweepCell& cell : sweep.cells())
        cells_ << QVariantMap{{"column", int(cell.column)}, {"row", int(cell.row)},
                              {"label", QString::fromStdString(sweep.describeCell(cell))}, {"imageUrl", QString()}};
    Q_EMIT gridChanged();
    Q_EMIT cellsChanged();
    running_ = true;
    progress_ = 0;
    Q_EMIT runningChanged();
    Q_EMIT progressChanged();
    setStatus(tr("Sweep: %1 cells").arg(sweep.cellCount()));

    impl_->cancel = CancelToken();
    if (impl_->worker.joinable()) impl_->worker.join();
    engine::configureThreads(threads_);
    SweepControl control;
    control.cancel = impl_->cancel;
    auto post = [this](auto f) { QMetaObject::invokeMethod(this, std::move(f), Qt::QueuedConnection); };
    control.observer.event = [this, post](const SweepCell&, const ExecEvent& e, const SweepProgress& p) {
        if (e.kind != ExecEvent::Kind::Progress) return;
        const double fraction = p.fraction();
        post([this, fraction] {
            progress_ = fraction;
            Q_EMIT progressChanged();
        });
    };
    control.observer.cellFinished = [this, post](const SweepCellResult& r, const SweepProgress& p) {
        const int index = int(r.cell.index);
        const QString url = r.files.empty() ? QString() : QUrl::fromLocalFile(QString::fromStdString(r.files.front())).toString();
        const double fraction = p.fraction();
        post([this, index, url, fraction] {
            if (index >= cells_.size()) return;
            QVariantMap cell = cells_[index].toMap();
            cell["imageUrl"] = url;
            cells_[index] = cell;
            progress_ = fraction;
            Q_EMIT cellsChanged();
            Q_EMIT progressChanged();
        });
    };
    impl_->worker = std::thread([this, graph, env, control, post] {
        const SweepResult result = runSweep(impl_->executor, doc_->registry(), graph, env, impl_->sweep, control);
        const bool ok = result.succeeded();
        const QString message = ok ? tr("Sweep finished: %1 cells in %2 s").arg(result.cells.size()).arg(result.seconds, 0, 'f', 1)
                                   : result.cancelled() ? tr("Sweep cancelled after %1 cells").arg(result.cells.size())
                                                        : QString::fromStdString(result.message);
        post([this, ok, message] {
            running_ = false;
            Q_EMIT runningChanged();
            setStatus(message);
            Q_EMIT finished(ok, message);
        });
    });
    return true;
}

void SweepController::cancel() { impl_->cancel.cancel(); }

bool SweepController::applyCell(int index) {
    if (index < 0 || index >= cells_.size()) return false;
    const QVariantMap cell = cells_[index].toMap();
    const Sweep& sweep = impl_->sweep;
    doc_->beginMacro(tr("Use sweep values %1").arg(cell["label"].toString()));
    bool ok = true;
    for (size_t a = 0; a < sweep.axes.size(); ++a) {
        const SweepAxis& axis = sweep.axes[a];
        const size_t i = size_t(a == 0 ? cell["column"].toInt() : cell["row"].toInt());
        ok = doc_->setWidgetValue(axis.node, QString::fromStdString(axis.input), widgetVariant(axis.values.values[i])) && ok;
    }
    doc_->endMacro();
    return ok;
}

}  // namespace tessera::editor
