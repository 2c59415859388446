#include "app/cli/commands.h"

#include "app/cli/compute_setup.h"
#include "app/cli/loaded_document.h"
#include "app/cli/overrides.h"
#include "app/cli/preview_writer.h"
#include "app/cli/progress_bar.h"
#include "core/common/error.h"
#include "core/exec/executor.h"
#include "core/graph/validation.h"
#include "core/sweep/sweep.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <unistd.h>

namespace tessera::cli {
namespace {

std::atomic<bool> interrupted{false};
void onInterrupt(int) { interrupted = true; }

// The sweep a command runs: --sweep, else the one saved in the file, none with --no-sweep.
std::vector<std::string> sweepAxesOf(const CliOptions& o, const Graph& graph) {
    if (o.noSweep) return {};
    return !o.sweeps.empty() ? o.sweeps : savedSweep(graph);
}

}  // namespace

int runCommand(const CliOptions& o, const Registry& registry) {
    LoadedDocument doc = loadDocument(o, registry);
    for (const auto& text : o.overrides) applyOverride(doc.graph, registry, parseOverride(text));
    const std::vector<std::string> axes = sweepAxesOf(o, doc.graph);
    if (!axes.empty()) return sweepCommand(o, registry, doc, axes);
    saveSweep(doc.graph, {});  // --no-sweep: the images embed a graph that runs once
    doc.env.workflowJson = workflowJsonOf(doc.graph);
    doc.env.promptJson = promptJsonOf(doc.graph, registry);

    setUpCompute(o);
    ProgressBar bar(!o.quiet && ::isatty(STDERR_FILENO));
    PreviewWriter previews(o.previewsDir);
    std::vector<std::string> outputs;
    const Graph& graph = doc.graph;

    auto observer = [&](const ExecEvent& e) {
        using K = ExecEvent::Kind;
        switch (e.kind) {
            case K::NodeStarted: if (!o.quiet) bar.nodeStarted(graph.describeNode(e.node)); break;
            case K::Progress: if (!o.quiet) bar.step(e.step, e.total); break;
            case K::NodeDone: if (!o.quiet) bar.nodeFinished(graph.describeNode(e.node), "done", e.seconds); break;
            case K::NodeCached: if (!o.quiet) bar.nodeFinished(graph.describeNode(e.node), "cached", 0); break;
            case K::Preview: previews.write(graph.describeNode(e.node), e.preview); break;
            case K::OutputFile: outputs.push_back(e.message); break;
            default: break;
        }
    };

    std::signal(SIGINT, onInterrupt);
    Executor executor(registry);
    RunHandle handle = executor.start(doc.graph, doc.env, observer);
    while (!handle.waitFor(std::chrono::milliseconds(100))) {
        if (interrupted) handle.cancel();
    }
    const RunResult result = handle.wait();
    std::signal(SIGINT, SIG_DFL);

    if (result.cancelled()) {
        bar.message("cancelled");
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
    for (const auto& path : outputs) std::printf("%s\n", path.c_str());
    if (!o.quiet) {
        std::fprintf(stderr, "finished in %.1fs", result.seconds);
        if (!outputs.empty()) std::fprintf(stderr, "; %zu image(s) written to %s", outputs.size(), o.outputDir.c_str());
        if (previews.count()) std::fprintf(stderr, "; %d preview(s) in %s", previews.count(), o.previewsDir.c_str());
        std::fprintf(stderr, "\n");
    }
    return 0;
}

int validateCommand(const CliOptions& o, const Registry& registry) {
    LoadedDocument doc = loadDocument(o, registry);
    for (const auto& text : o.overrides) applyOverride(doc.graph, registry, parseOverride(text));
    auto issues = validateGraph(doc.graph, registry, &doc.env);
    // The sweep it would run (given or saved): every value checked too.
    const std::vector<std::string> axes = sweepAxesOf(o, doc.graph);
    if (!axes.empty())
        for (auto& issue : checkSweepValues(doc.graph, registry, &doc.env, resolveSweep(doc.graph, registry, axes)))
            issues.push_back(std::move(issue));
    if (issues.empty()) {
        std::printf("%s: valid (%zu nodes, %zu links%s)\n", o.file.c_str(), doc.graph.nodes().size(), doc.graph.links().size(),
                    axes.empty() ? "" : ", a sweep");
        return 0;
    }
    std::printf("%s: %zu problem(s)\n%s", o.file.c_str(), issues.size(), formatIssues(doc.graph, issues).c_str());
    const std::string guide = describeMissingModels(issues, doc.env);
    if (!guide.empty()) std::printf("%s", guide.c_str());
    return 3;
}

int nodesCommand(const Registry& registry) {
    std::string category;
    for (const NodeDecl* d : registry.all()) {
        if (d->category != category) {
            category = d->category;
            std::printf("\n[%s]\n", category.c_str());
        }
        std::printf("%s", d->type.c_str());
        if (d->displayName != d->type && !d->displayName.empty()) std::printf(" (%s)", d->displayName.c_str());
        if (d->origin != "builtin") std::printf("  [plugin %s]", d->origin.c_str());
        std::printf("\n  in: ");
        for (size_t i = 0; i < d->inputs.size(); ++i) {
            const InputDecl& in = d->inputs[i];
            std::printf("%s%s %s%s", i ? ", " : "", in.name.c_str(), in.type.c_str(), in.optional ? "?" : "");
            if (in.isWidget() && !in.defaultValue.isNull()) std::printf("=%s", in.defaultValue.describe().c_str());
        }
        std::printf("\n  out: ");
        for (size_t i = 0; i < d->outputs.size(); ++i)
            std::printf("%s%s %s", i ? ", " : "", d->outputs[i].name.c_str(), d->outputs[i].type.c_str());
        std::printf("\n");
    }
    return 0;
}

}  // namespace tessera::cli
