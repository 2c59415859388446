#include "app/cli/run_display.h"

#include <cstdio>
#include <unistd.h>

namespace tessera::cli {

RunDisplay::RunDisplay(const CliOptions& options, const Graph& graph)
    : options_(options), graph_(graph), bar_(!options.quiet && ::isatty(STDERR_FILENO)), previews_(options.previewsDir) {}

void RunDisplay::onEvent(const ExecEvent& e) {
    using K = ExecEvent::Kind;
    const bool quiet = options_.quiet;
    switch (e.kind) {
        case K::NodeStarted: if (!quiet) bar_.nodeStarted(graph_.describeNode(e.node)); break;
        case K::Progress: if (!quiet) bar_.step(e.step, e.total); break;
        case K::NodeDone: if (!quiet) bar_.nodeFinished(graph_.describeNode(e.node), "done", e.seconds); break;
        case K::NodeCached: if (!quiet) bar_.nodeFinished(graph_.describeNode(e.node), "cached", 0); break;
        case K::Preview: previews_.write(graph_.describeNode(e.node), e.preview); break;
        case K::OutputFile: outputs_.push_back(e.message); break;
        case K::NodeNote: bar_.message(noteLine(graph_.describeNode(e.node), e.message)); break;
        default: break;
    }
}

void RunDisplay::printSummary(double seconds) const {
    for (const auto& path : outputs_) std::printf("%s\n", path.c_str());
    if (options_.quiet) return;
    std::fprintf(stderr, "finished in %.1fs", seconds);
    if (!outputs_.empty()) std::fprintf(stderr, "; %zu image(s) written to %s", outputs_.size(), options_.outputDir.c_str());
    if (previews_.count()) std::fprintf(stderr, "; %d preview(s) in %s", previews_.count(), options_.previewsDir.c_str());
    std::fprintf(stderr, "\n");
}

}  // namespace tessera::cli
