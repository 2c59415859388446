#pragma once
// Widget values between JSON files and the graph model, and their adjustment to what a node
// declaration expects (ComfyUI writes cfg 8 as an integer; Tessera's FLOAT widgets hold floats).
#include "core/graph/graph.h"
#include "core/graph/node_decl.h"
#include "core/io/json.h"
#include "core/io/load_report.h"

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace tessera {

Json valueToJson(const Value& v);  // objects (never widget values) become null
// Scalars only; arrays and objects throw tessera::Error naming `where`.
Value jsonToValue(const Json& j, const std::string& where);

// Converts `v` to the kind `decl` holds (int, float, bool, string). A value that cannot be
// converted is replaced by the declaration's default and a warning naming `where` is added.
Value coerceWidget(const InputDecl& decl, const Value& v, const std::string& where, LoadReport& report);

// ComfyUI's positional "widgets_values" read against a declaration: each widget input in order takes
// the next entry, except those named in `converted`. After a seed-like INT widget ComfyUI writes its
// "control after generate" entry: "fixed" / "increment" / "decrement" / "randomize", or in early files a
// boolean (true = randomize). Those entries are skipped and returned in `controls`.
struct PositionalWidgets {
    std::vector<std::pair<const InputDecl*, const Json*>> values;
    std::map<std::string, std::string> controls;  // widget name -> mode
    size_t next = 0;                              // the first entry not consumed
};
PositionalWidgets readPositionalWidgets(const NodeDecl& decl, const Json::Array& list, size_t start = 0,
                                        const std::set<std::string>& converted = {});
// A "control after generate" entry: a mode string, or (after a seed-like widget) a boolean.
bool isControlValue(const Json& v, bool seedLike);

// Gives every declared widget missing from `node.widgets` its default value.
void fillMissingWidgets(Node& node, const NodeDecl& decl);

}  // namespace tessera
