#pragma once
// The `tessera` sub-commands. Each returns the process exit code:
// 0 success, 1 a node failed, 2 bad command line or unreadable file, 3 the graph is invalid (or the
// backend lacks what it needs), 4 the backend could not be reached or went away, 130 cancelled.
#include "app/cli/cli_options.h"
#include "app/cli/loaded_document.h"
#include "core/graph/registry.h"

namespace tessera::cli {

int runCommand(const CliOptions& options, const Registry& registry);
// `tessera run` with sweep axes (from --sweep or saved in the file): every cell, then the contact sheet.
int sweepCommand(const CliOptions& options, const Registry& registry, LoadedDocument& doc,
                 const std::vector<std::string>& axes);
int validateCommand(const CliOptions& options, const Registry& registry);
int nodesCommand(const Registry& registry);
int packCommand(const CliOptions& options, const Registry& registry);
// A model file (.ckpt/.pt/.pth/.bin or .safetensors) rewritten as .safetensors, atomically.
int convertCommand(const CliOptions& options);
// Any graph file written for ComfyUI (its editor's workflow or its API prompt), atomically.
int exportCommand(const CliOptions& options, const Registry& registry);
// Runs until SIGINT / SIGTERM.
int serveCommand(const CliOptions& options, const Registry& registry);

}  // namespace tessera::cli
