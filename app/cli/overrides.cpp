#include "app/cli/overrides.h"

#include "core/common/error.h"
#include "core/graph/port_types.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>

namespace tessera::cli {
namespace {

NodeId resolveNode(const Graph& graph, const std::string& ref) {
    NodeId id = 0;
    const char* end = ref.data() + ref.size();
    if (auto [p, ec] = std::from_chars(ref.data(), end, id); ec == std::errc() && p == end) {
        if (!graph.node(id)) throw Error("--set: there is no node with id " + ref);
        return id;
    }
    std::vector<NodeId> byTitle, byType;
    for (const auto& [nid, n] : graph.nodes()) {
        if (n.title == ref) byTitle.push_back(nid);
        if (n.type == ref) byType.push_back(nid);
    }
    const auto& hits = !byTitle.empty() ? byTitle : byType;
    if (hits.empty()) throw Error("--set: no node is titled or of type '" + ref + "'");
    if (hits.size() > 1) {
        std::string ids;
        for (NodeId h : hits) ids += (ids.empty() ? "" : ", ") + std::to_string(h);
        throw Error("--set: '" + ref + "' matches several nodes (ids " + ids + "); use the node id");
    }
    return hits.front();
}

Value parseValue(const InputDecl& in, const std::string& text, const std::string& where) {
    const auto bad = [&](const char* what) -> Error {
        return Error(where + ": '" + text + "' is not " + what);
    };
    if (in.type == types::Int) {
        int64_t v = 0;
        auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc() || p != text.data() + text.size()) throw bad("a whole number");
        return Value(v);
    }
    if (in.type == types::Float) {
        char* endp = nullptr;
        const double v = std::strtod(text.c_str(), &endp);
        if (text.empty() || *endp != '\0') throw bad("a number");
        return Value(v);
    }
    if (in.type == types::Boolean) {
        if (text == "true" || text == "1" || text == "yes") return Value(true);
        if (text == "false" || text == "0" || text == "no") return Value(false);
        throw bad("true or false");
    }
    return Value(text);
}

}  // namespace

Override parseOverride(const std::string& text) {
    const auto eq = text.find('=');
    const auto dot = text.substr(0, eq).rfind('.');
    if (eq == std::string::npos || dot == std::string::npos || dot == 0 || dot + 1 == eq)
        throw Error("--set expects NODE.INPUT=VALUE (for example --set KSampler.seed=7), got '" + text + "'");
    return Override{text.substr(0, dot), text.substr(dot + 1, eq - dot - 1), text.substr(eq + 1)};
}

void applyOverride(Graph& graph, const Registry& registry, const Override& o) {
    const NodeId id = resolveNode(graph, o.node);
    Node& node = *graph.node(id);
    const std::string where = "--set " + graph.describeNode(id) + "." + o.input;
    const NodeDecl* decl = registry.find(node.type);
    if (!decl) throw Error(where + ": node type '" + node.type + "' is not available");
    const InputDecl* in = decl->findInput(o.input);
    if (!in) {
        std::string names;
        for (const auto& i : decl->inputs)
            if (i.isWidget()) names += (names.empty() ? "" : ", ") + i.name;
        throw Error(where + ": " + node.type + " has no input '" + o.input + "' (its widgets: " + names + ")");
    }
    if (!types::isWidgetType(in->type)) throw Error(where + ": '" + o.input + "' is a " + in->type + " port, not a value");
    node.widgets[o.input] = parseValue(*in, o.value, where);
}

}  // namespace tessera::cli
