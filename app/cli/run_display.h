#pragma once
// What `tessera run` shows while a graph runs, locally or on a backend: the progress bar per
// node, previews written to --previews, the output files collected for the summary.
#include "app/cli/cli_options.h"
#include "app/cli/preview_writer.h"
#include "app/cli/progress_bar.h"
#include "core/exec/exec_event.h"
#include "core/graph/graph.h"

#include <string>
#include <vector>

namespace tessera::cli {

class RunDisplay {
public:
    RunDisplay(const CliOptions& options, const Graph& graph);
    void onEvent(const ExecEvent& e);
    void message(const std::string& text) { bar_.message(text); }
    // The output paths on stdout, then "finished in ..." on stderr (unless quiet).
    void printSummary(double seconds) const;

private:
    const CliOptions& options_;
    const Graph& graph_;
    ProgressBar bar_;
    PreviewWriter previews_;
    std::vector<std::string> outputs_;
};

}  // namespace tessera::cli
