#pragma once
// ComfyUI workflows in and out.
// - UI workflow ("nodes" with positional "widgets_values", "links" as [id, from, slot, to, slot, type]
//   or as objects in schema 1): widget values map onto the declaration's widget inputs in order,
//   a seed-like INT input takes the following "fixed"/"increment"/... entry (a boolean in early
//   files), Reroute nodes are collapsed, a PrimitiveNode's value goes into the widgets it feeds,
//   mode 2 = muted, 4 = bypassed, Note/MarkdownNote are their declared nodes (placeholder notes
//   without declarations). Subgraphs, group nodes and native reroutes are flattened first
//   (comfyui_flatten.h).
// - API prompt ({"3": {"class_type", "inputs": {"seed": 5, "model": ["4", 0]}, "_meta"}}).
// Unknown node types become placeholders, listed once in the report.
#include "core/graph/graph.h"
#include "core/graph/registry.h"
#include "core/io/json.h"
#include "core/io/load_report.h"

#include <QByteArray>
#include <QJsonDocument>

#include <map>
#include <string>
#include <vector>

namespace tessera {

enum class GraphFormat { Tessera, ComfyUIWorkflow, ComfyUIPrompt, Unknown };

GraphFormat detectFormat(const Json& root);
GraphFormat detectFormat(const QJsonDocument& doc);
const char* formatName(GraphFormat f);  // "Tessera graph", "ComfyUI workflow", ...

Graph importComfyWorkflow(const Json& root, const Registry& registry, LoadReport& report);
Graph importComfyPrompt(const Json& root, const Registry& registry, LoadReport& report);
// The same, also giving each graph node's key in the prompt ("3", "save_image"), so a server can
// report events under the ids its client chose.
Graph importComfyPrompt(const Json& root, const Registry& registry, LoadReport& report,
                        std::map<NodeId, std::string>& promptKeys);

// Any of the three formats; throws tessera::Error for anything else.
Graph importGraph(const QByteArray& json, const Registry& registry, LoadReport& report);

// API prompt for ComfyUI (the PNG "prompt" chunk): muted nodes and notes left out, links
// through bypassed nodes rewired to the matching input's source, as ComfyUI does.
QByteArray graphToComfyPrompt(const Graph& graph, const Registry& registry);

// UI workflow for ComfyUI's editor ("version": 0.4): declared ports, then the widgets a link feeds (as
// converted widgets); positional "widgets_values" with "control after generate" after seed-like widgets;
// mode 2 muted, 4 bypassed; link waypoints as native reroutes ("extra": reroutes + linkExtensions);
// groups; unknown nodes written back as they were read; subgraph and group-node instances read from a
// ComfyUI workflow written back with their definitions while their inside is unchanged
// (comfyui_kept_instances.h), the others as their nodes with a line in `notes`. Importing it gives the
// same graph.
QByteArray graphToComfyWorkflow(const Graph& graph, const Registry& registry, std::vector<std::string>* notes = nullptr);

}  // namespace tessera
