#pragma once
// Widget values between JSON files and the graph model, and their adjustment to what a node
// declaration expects (ComfyUI writes cfg 8 as an integer; Tessera's FLOAT widgets hold floats).
#include "core/graph/graph.h"
#include "core/graph/node_decl.h"
#include "core/io/json.h"
#include "core/io/load_report.h"

#include <string>

namespace tessera {

Json valueToJson(const Value& v);  // objects (never widget values) become null
// Scalars only; arrays and objects throw tessera::Error naming `where`.
Value jsonToValue(const Json& j, const std::string& where);

// Converts `v` to the kind `decl` holds (int, float, bool, string). A value that cannot be
// converted is replaced by the declaration's default and a warning naming `where` is added.
Value coerceWidget(const InputDecl& decl, const Value& v, const std::string& where, LoadReport& report);

// Gives every declared widget missing from `node.widgets` its default value.
void fillMissingWidgets(Node& node, const NodeDecl& decl);

}  // namespace tessera
