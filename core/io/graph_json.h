#pragma once
// Tessera's native graph file (graph.json):
// {"format": "tessera-graph", "version": 1,
//  "nodes": [{"id", "type", "title", "pos": [x, y], "size": [w, h], "widgets": {name: value},
//             "control_after_generate": {name: mode}, "widget_inputs": [name] (widgets shown as ports),
//             "collapsed", "bypassed", "muted", "note"}],
//  "links": [{"id", "from": [node, slot], "to": [node, "input"], "type"}],
//  "groups": [{"title", "bounding": [x, y, w, h], "color"}],
//  "properties": {name: text}, "images": ["photo.png", ...] (bundles: files under inputs/)}
// Integers and floats stay distinct. A placeholder node (type unknown when loaded) is written
// back from its saved JSON, with only its layout fields (id, title, pos, size, flags, note) updated.
#include "core/graph/graph.h"
#include "core/graph/registry.h"
#include "core/io/json.h"
#include "core/io/load_report.h"

#include <QByteArray>
#include <string>
#include <vector>

namespace tessera {

inline constexpr const char* kTesseraGraphFormat = "tessera-graph";

Json graphToJsonValue(const Graph& graph, const std::vector<std::string>& embeddedFiles = {});
QByteArray graphToJson(const Graph& graph, const std::vector<std::string>& embeddedFiles = {});

// With a registry, nodes of unknown types become placeholders (listed in the report) and widget
// values are adjusted to their declarations; without one every node is taken as written.
// Throws tessera::Error naming what is wrong and where (node id, link id).
Graph graphFromJson(const QByteArray& json, const Registry* registry = nullptr, LoadReport* report = nullptr);
Graph graphFromJsonValue(const Json& root, const Registry* registry, LoadReport& report);

// ComfyUI's "Note" and "MarkdownNote": text on the canvas, never run. Kept as placeholders
// without being reported as unknown.
bool isNoteType(const std::string& type);

// The layout fields of a node, shared with the ComfyUI importer's placeholders.
Json nodeToJson(const Node& node);

}  // namespace tessera
