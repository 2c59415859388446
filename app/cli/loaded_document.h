#pragma once
// A graph file opened for the command line, with the environment it runs in.
#include "app/cli/cli_options.h"
#include "core/exec/environment.h"
#include "core/graph/graph.h"
#include "core/graph/registry.h"
#include "core/graph/validation.h"

#include <QTemporaryDir>

#include <memory>
#include <string>

namespace tessera::cli {

struct LoadedDocument {
    Graph graph;
    Environment env;
    std::unique_ptr<QTemporaryDir> scratch;  // extracted bundle inputs and previews live here
};

// Opens any graph file; prints the load report's warnings; throws tessera::Error.
LoadedDocument loadDocument(const CliOptions& options, const Registry& registry);
std::string workflowJsonOf(const Graph& graph);
std::string promptJsonOf(const Graph& graph, const Registry& registry);
// When issues mention missing model files: the models folder guide; else empty.
std::string describeMissingModels(const std::vector<ValidationIssue>& issues, const Environment& env);

}  // namespace tessera::cli
