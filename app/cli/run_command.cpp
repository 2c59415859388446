#include "app/cli/commands.h"

#include "app/cli/interrupt.h"
#include "app/cli/compute_setup.h"
#include "app/cli/loaded_document.h"
#include "app/cli/overrides.h"
#include "app/cli/remote_run_command.h"
#include "app/cli/run_display.h"
#include "core/common/error.h"
#include "core/exec/executor.h"
#include "core/exec/run_validation.h"
#include "core/sweep/sweep.h"

#include <cstdio>

namespace tessera::cli {
namespace {


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

    if (!o.server.empty()) return remoteRunCommand(o, registry, doc);

    setUpCompute(o);  // fails early and clearly for an unavailable device or precision
    RunDisplay display(o, doc.graph);

    ScopedInterrupt interrupt;
    Executor executor(registry);
    RunHandle handle = executor.start(doc.graph, doc.env, [&](const ExecEvent& e) { display.onEvent(e); });
    while (!handle.waitFor(std::chrono::milliseconds(100))) {
        if (interrupt.requested()) handle.cancel();
    }
    const RunResult result = handle.wait();

    if (result.cancelled()) {
        display.message("cancelled");
        return 130;
    }
    if (!result.succeeded()) {
        display.message("error: " + result.message);
        if (!result.issues.empty()) {
            display.message(describeMissingModels(result.issues, doc.env));
            return 3;
        }
        return 1;
    }
    display.printSummary(result.seconds);
    return 0;
}

int validateCommand(const CliOptions& o, const Registry& registry) {
    LoadedDocument doc = loadDocument(o, registry);
    for (const auto& text : o.overrides) applyOverride(doc.graph, registry, parseOverride(text));
    auto issues = validateRun(doc.graph, registry, &doc.env);
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
