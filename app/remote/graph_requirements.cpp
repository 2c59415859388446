#include "app/remote/graph_requirements.h"

#include "core/io/graph_json.h"

namespace tessera::remote {
namespace {

bool inPrompt(const Node& n) { return !n.muted && !n.bypassed && !isNoteType(n.type); }

}  // namespace

std::vector<std::string> GraphRequirements::folders() const {
    std::set<std::string> unique;
    for (const auto& m : models) unique.insert(m.folder);
    return {unique.begin(), unique.end()};
}

GraphRequirements requirementsOf(const Graph& graph, const Registry& registry) {
    GraphRequirements r;
    for (const auto& [id, n] : graph.nodes()) {
        if (!inPrompt(n)) continue;
        r.nodeTypes.insert(n.type);
        const NodeDecl* decl = registry.find(n.type);
        if (!decl) continue;
        for (const InputDecl& in : decl->inputs) {
            if (in.choicesFrom.empty() || graph.linkInto(id, in.name)) continue;
            auto v = n.widgets.find(in.name);
            if (v == n.widgets.end() || !v->second.isString() || v->second.toString().empty()) continue;
            if (in.choicesFrom == "input") r.images.push_back({id, in.name, v->second.toString()});
            else r.models.push_back({id, in.choicesFrom, v->second.toString()});
        }
    }
    return r;
}

std::vector<std::string> missingOn(const GraphRequirements& needs, const BackendCapabilities& backend,
                                   const Graph& graph, const std::string& backendName) {
    std::vector<std::string> missing;
    for (const auto& [id, n] : graph.nodes()) {
        if (!inPrompt(n) || backend.nodeTypes.count(n.type)) continue;
        if (!backend.tessera)
            missing.push_back(graph.describeNode(id) + " is a Tessera-only node (" + n.type + "): it runs only on Tessera backends, and " +
                              backendName + " is " + backend.server);
        else
            missing.push_back(graph.describeNode(id) + ": node type " + n.type + " is not installed on " + backendName +
                              " (" + backend.server + "; a plugin missing there?)");
    }
    for (const ModelNeed& m : needs.models) {
        auto folder = backend.models.find(m.folder);
        if (folder == backend.models.end()) continue;  // not listed there: the backend's own check decides
        if (!folder->second.count(m.file))
            missing.push_back(graph.describeNode(m.node) + ": model '" + m.file + "' is not in " + backendName + "'s " +
                              m.folder + " folder");
    }
    return missing;
}

}  // namespace tessera::remote
