#include "app/cli/loaded_document.h"

#include "core/common/error.h"
#include "core/exec/models_folder.h"
#include "core/io/comfyui_import.h"
#include "core/io/graph_file.h"
#include "core/io/graph_json.h"

#include <QDir>

#include <cstdio>
#include <filesystem>

namespace tessera::cli {

LoadedDocument loadDocument(const CliOptions& o, const Registry& registry) {
    if (!std::filesystem::exists(o.file)) throw Error("'" + o.file + "' does not exist");
    LoadedDocument doc;
    doc.scratch = std::make_unique<QTemporaryDir>(QDir::tempPath() + "/tessera-run-XXXXXX");
    if (!doc.scratch->isValid()) throw Error("cannot create a temporary folder in " + QDir::tempPath().toStdString());
    const QString extractDir = doc.scratch->filePath("inputs");
    LoadedGraph loaded = openGraphFile(QString::fromStdString(o.file), registry, extractDir);
    for (const auto& w : loaded.report.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
    doc.graph = std::move(loaded.graph);
    doc.env.modelDirs = resolveModelDirs(o.modelDirs);
    doc.env.inputDir = o.inputDir.empty() ? loaded.inputDir.toStdString() : o.inputDir;
    doc.env.outputDir = o.outputDir;
    doc.env.previewMethod = o.previewMethod;
    doc.env.device = o.device;
    doc.env.precision = o.precision;
    doc.env.tempDir = doc.scratch->filePath("temp").toStdString();
    std::filesystem::create_directories(doc.env.tempDir);
    return doc;
}

std::string workflowJsonOf(const Graph& graph) { return graphToJson(graph).toStdString(); }

std::string promptJsonOf(const Graph& graph, const Registry& registry) {
    try {
        return graphToComfyPrompt(graph, registry).toStdString();
    } catch (const Error&) {
        return {};  // a graph ComfyUI can't express still saves its Tessera form
    }
}

std::string describeMissingModels(const std::vector<ValidationIssue>& issues, const Environment& env) {
    bool missing = false;
    for (const auto& i : issues) missing = missing || i.message.find("not found") != std::string::npos;
    if (!missing || env.modelDirs.empty()) return {};
    std::string guide = "\nTessera looks for models in:";
    for (const auto& d : env.modelDirs) guide += "\n  " + d;
    guide += "\n\n" + describeModelFolders(env.modelDirs.front());
    return guide;
}

}  // namespace tessera::cli
