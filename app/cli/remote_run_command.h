#pragma once
// `tessera run FILE --server URL [--token T]`: the graph runs on a ComfyUI or Tessera backend,
// with the same progress display and output files as a local run.
#include "app/cli/cli_options.h"
#include "app/cli/loaded_document.h"
#include "core/graph/registry.h"

namespace tessera::cli {

// Exit codes as runCommand's, and 4 when the backend cannot be reached or goes away mid-run.
int remoteRunCommand(const CliOptions& options, const Registry& registry, LoadedDocument& doc);

}  // namespace tessera::cli
