// `tessera run --sweep ...`: every cell of the grid on one Executor (shared upstream work runs
// once, through its cache), progress over the whole sweep, then the labelled contact sheet.
#include "app/cli/commands.h"

#include "app/cli/interrupt.h"
#include "app/cli/compute_setup.h"
#include "app/cli/contact_sheet.h"
#include "app/cli/preview_writer.h"
#include "app/cli/progress_bar.h"
#include "core/common/error.h"
#include "core/io/graph_json.h"
#include "core/io/png_metadata.h"
#include "core/sweep/sweep_runner.h"
#include "nodes/image_saving.h"

#include <QFile>
#include <opencv2/imgcodecs.hpp>

#include <cstdio>
#include <filesystem>
#include <unistd.h>

namespace tessera::cli {
namespace {


ContactSheetLabels labelsOf(const Sweep& sweep) {
    ContactSheetLabels labels;
    labels.columnAxis = sweep.axes[0].name;
    labels.columns = sweep.axes[0].values.labels;
    if (sweep.axes.size() > 1) {
        labels.rowAxis = sweep.axes[1].name;
        labels.rows = sweep.axes[1].values.labels;
    }
    return labels;
}

// The first image each cell wrote (a cell whose output node wrote nothing stays grey).
std::vector<cv::Mat> cellImages(const SweepResult& result) {
    std::vector<cv::Mat> images;
    for (const auto& cell : result.cells) {
        cv::Mat img;
        for (const auto& file : cell.files)
            if (img.empty()) img = cv::imread(file, cv::IMREAD_COLOR);
        images.push_back(img);
    }
    return images;
}

// sweep_00001_.png in the output folder, never overwriting; embeds the graph with its sweep, so
// opening the sheet in Tessera (or `tessera run` on it) gives the whole sweep again.
std::string writeContactSheet(const cv::Mat& sheet, const std::string& outputDir, const Graph& sweepGraph) {
    std::vector<uchar> encoded;
    if (!cv::imencode(".png", sheet, encoded)) throw Error("could not encode the sweep's contact sheet as PNG");
    const QByteArray png = addPngText(QByteArray(reinterpret_cast<const char*>(encoded.data()), qsizetype(encoded.size())),
                                      {{kPngKeyTessera, graphToJson(sweepGraph).toStdString()}});
    std::filesystem::create_directories(outputDir);
    for (int counter = nodes::nextImageCounter(outputDir, "sweep");; ++counter) {
        char name[32];
        std::snprintf(name, sizeof name, "sweep_%05d_.png", counter);
        const std::string path = (std::filesystem::path(outputDir) / name).string();
        QFile f(QString::fromStdString(path));
        if (!f.open(QIODevice::WriteOnly | QIODevice::NewOnly)) {
            if (f.exists()) continue;
            throw Error("could not write the contact sheet '" + path + "': " + f.errorString().toStdString());
        }
        if (f.write(png) != png.size()) throw Error("could not write the contact sheet '" + path + "'");
        return path;
    }
}

}  // namespace

int sweepCommand(const CliOptions& o, const Registry& registry, LoadedDocument& doc, const std::vector<std::string>& axes) {
    const Sweep sweep = resolveSweep(doc.graph, registry, axes);
    setUpCompute(o);
    if (!o.quiet)
        std::fprintf(stderr, "sweep: %zu cell(s), %s\n", sweep.cellCount(),
                     sweep.axes.size() == 1 ? (sweep.axes[0].name + " across").c_str()
                                            : (sweep.axes[0].name + " across, " + sweep.axes[1].name + " down").c_str());
    ProgressBar bar(!o.quiet && ::isatty(STDERR_FILENO));
    PreviewWriter previews(o.previewsDir);
    const Graph& graph = doc.graph;
    std::string cellTag;  // "[3/12 21%]" before each node's name

    SweepControl control;
    SweepObserver& observer = control.observer;
    observer.cellStarted = [&](const SweepCell& cell, const SweepProgress&) {
        if (!o.quiet) bar.message("cell " + std::to_string(cell.index + 1) + "/" + std::to_string(sweep.cellCount()) + ": " +
                                  sweep.describeCell(cell));
    };
    observer.event = [&](const SweepCell& cell, const ExecEvent& e, const SweepProgress& p) {
        using K = ExecEvent::Kind;
        const std::string node = "[" + std::to_string(cell.index + 1) + "/" + std::to_string(p.cellCount) + " " +
                                 std::to_string(int(p.fraction() * 100)) + "%] " + graph.describeNode(e.node);
        switch (e.kind) {
            case K::NodeStarted: if (!o.quiet) bar.nodeStarted(node); break;
            case K::Progress: if (!o.quiet) bar.step(e.step, e.total); break;
            case K::NodeDone: if (!o.quiet) bar.nodeFinished(node, "done", e.seconds); break;
            case K::NodeCached: if (!o.quiet) bar.nodeFinished(node, "cached", 0); break;
            case K::Preview: previews.write(graph.describeNode(e.node), e.preview); break;
            case K::NodeNote: bar.message(noteLine(node, e.message)); break;
            default: break;
        }
    };

    const SweepResult result = [&] {
        ScopedInterrupt interrupt;
        control.cancel = interrupt.token();
        Executor executor(registry);
        return runSweep(executor, registry, doc.graph, doc.env, sweep, control);
    }();

    for (const auto& cell : result.cells)
        for (const auto& path : cell.files) std::printf("%s\n", path.c_str());
    if (result.cancelled()) {
        bar.message("cancelled after " + std::to_string(result.cells.size()) + " of " + std::to_string(sweep.cellCount()) +
                    " cells");
        return 130;
    }
    if (!result.succeeded()) {
        bar.message("error: " + result.message);
        if (!result.issues.empty()) {
            bar.message(describeMissingModels(result.issues, doc.env));
            return 3;
        }
        return 1;
    }
    Graph sweepGraph = doc.graph;
    saveSweep(sweepGraph, axes);
    const std::string sheet = writeContactSheet(drawContactSheet(labelsOf(sweep), cellImages(result)), o.outputDir, sweepGraph);
    std::printf("%s\n", sheet.c_str());
    if (!o.quiet)
        std::fprintf(stderr, "sweep of %zu cells finished in %.1fs; contact sheet %s\n", sweep.cellCount(), result.seconds,
                     sheet.c_str());
    return 0;
}

}  // namespace tessera::cli
