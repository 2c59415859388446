#include "core/graph/widget_reference.h"

#include "core/common/error.h"
#include "core/graph/port_types.h"

#include <charconv>
#include <cstdlib>

namespace tessera {

NodeId resolveNodeReference(const Graph& graph, const std::string& ref, const std::string& where) {
    NodeId id = 0;
    const char* end = ref.data() + ref.size();
    if (auto [p, ec] = std::from_chars(ref.data(), end, id); ec == std::errc() && p == end) {
        if (!graph.node(id)) throw Error(where + ": there is no node with id " + ref);
        return id;
    }
    std::vector<NodeId> byTitle, byType;
    for (const auto& [nid, n] : graph.nodes()) {
        if (n.title == ref) byTitle.push_back(nid);
        if (n.type == ref) byType.push_back(nid);
    }
    const auto& hits = !byTitle.empty() ? byTitle : byType;
    if (hits.empty()) throw Error(where + ": no node is titled or of type '" + ref + "'");
    if (hits.size() > 1) {
        std::string candidates;
        for (NodeId h : hits) candidates += (candidates.empty() ? "" : ", ") + graph.describeNode(h);
        throw Error(where + ": '" + ref + "' matches several nodes (" + candidates +
                    "); use the node id, for example " + std::to_string(hits.front()) + " instead of '" + ref + "'");
    }
    return hits.front();
}

WidgetRef resolveWidget(const Graph& graph, const Registry& registry, const std::string& nodeRef,
                        const std::string& input, const std::string& where) {
    const NodeId id = resolveNodeReference(graph, nodeRef, where);
    const Node& node = *graph.node(id);
    const std::string who = where + " " + graph.describeNode(id) + "." + input;
    const NodeDecl* decl = registry.find(node.type);
    if (!decl) throw Error(who + ": node type '" + node.type + "' is not available");
    const InputDecl* in = decl->findInput(input);
    if (!in) {
        std::string names;
        for (const auto& i : decl->inputs)
            if (i.isWidget()) names += (names.empty() ? "" : ", ") + i.name;
        throw Error(who + ": " + node.type + " has no input '" + input + "' (its widgets: " + names + ")");
    }
    if (!types::isWidgetType(in->type)) throw Error(who + ": '" + input + "' is a " + in->type + " port, not a value");
    return WidgetRef{id, in};
}

Value parseWidgetValue(const InputDecl& in, const std::string& text, const std::string& where) {
    const auto bad = [&](const char* what) -> Error { return Error(where + ": '" + text + "' is not " + what); };
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

}  // namespace tessera
