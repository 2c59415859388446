#pragma once
// One entry point for the CLI and the editor to open any graph file Tessera understands:
// .tessera bundles, graph.json, ComfyUI UI workflows and API prompts, and PNGs saved by
// Tessera or ComfyUI. The kind is found from the content, not the file name.
#include "core/graph/graph.h"
#include "core/graph/registry.h"
#include "core/io/comfyui_import.h"
#include "core/io/load_report.h"

#include <QByteArray>
#include <QString>

namespace tessera {

enum class GraphFileKind { Bundle, Json, Png };

struct LoadedGraph {
    Graph graph;
    LoadReport report;
    GraphFileKind kind = GraphFileKind::Json;
    GraphFormat format = GraphFormat::Unknown;  // for Json and Png: what the JSON was
    // Where the graph's input images resolve: the extract folder for bundles, else the file's folder.
    QString inputDir;
    QByteArray thumbnailPng;  // bundles only
};

// `extractDir` receives a bundle's input files (e.g. a per-document cache folder); it is unused
// for other kinds. Throws tessera::Error with the path in the message.
LoadedGraph openGraphFile(const QString& path, const Registry& registry, const QString& extractDir);

// Writes graph.json atomically.
void saveGraphJson(const QString& path, const Graph& graph);

}  // namespace tessera
