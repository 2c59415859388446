// ComfyUI API prompt: {"<id>": {"class_type": ..., "inputs": {name: value | [id, slot]}, "_meta": {"title": ...}}}.
#include "core/common/error.h"
#include "core/io/comfyui_import.h"
#include "core/io/graph_json.h"
#include "core/io/widget_values.h"

#include <map>
#include <optional>

namespace tessera {

namespace {

std::optional<NodeId> numericId(const std::string& s) {
    if (s.empty() || s.size() > 15 || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    return NodeId(std::stoll(s));
}

bool isLinkValue(const Json& v) {
    const auto& a = v.array();
    return v.isArray() && a.size() == 2 && (a[0].isString() || a[0].isInt()) && a[1].isInt();
}

// Columns by distance from the sources, so an imported prompt is readable on the canvas.
void layOut(Graph& g) {
    std::map<NodeId, int> depth;
    for (const auto& [id, n] : g.nodes()) depth[id] = 0;
    for (size_t pass = 0; pass < g.nodes().size(); ++pass) {
        bool changed = false;
        for (const auto& [id, l] : g.links())
            if (depth[l.toNode] < depth[l.fromNode] + 1 && depth[l.fromNode] < int(g.nodes().size())) {
                depth[l.toNode] = depth[l.fromNode] + 1;
                changed = true;
            }
        if (!changed) break;
    }
    std::map<int, int> rows;
    for (auto& [id, n] : g.nodes()) {
        const int d = depth[id];
        n.pos = {d * 350.0, rows[d]++ * 250.0};
    }
}

}  // namespace

Graph importComfyPrompt(const Json& root, const Registry& registry, LoadReport& report) {
    std::map<NodeId, std::string> keys;
    return importComfyPrompt(root, registry, report, keys);
}

Graph importComfyPrompt(const Json& root, const Registry& registry, LoadReport& report,
                        std::map<NodeId, std::string>& promptKeys) {
    if (!root.isObject()) throw Error("ComfyUI prompt: expected an object of nodes");
    std::map<std::string, NodeId> ids;
    NodeId next = 1;
    for (const auto& [key, v] : root.object())
        if (auto id = numericId(key)) next = std::max(next, *id + 1);
    for (const auto& [key, v] : root.object()) {
        if (ids.count(key)) throw Error("ComfyUI prompt: node \"" + key + "\" appears twice");
        auto id = numericId(key);
        ids[key] = id ? *id : next++;
        promptKeys[ids[key]] = key;
    }

    Graph g;
    std::vector<std::string> unknown;
    struct PendingLink {
        NodeId to;
        std::string input;
        std::string fromKey;
        int64_t slot;
    };
    std::vector<PendingLink> pending;
    for (const auto& [key, j] : root.object()) {
        const Json* ct = j.find("class_type");
        if (!ct || !ct->isString() || ct->toString().empty())
            throw Error("ComfyUI prompt: node \"" + key + "\" has no \"class_type\"");
        const std::string type = ct->toString();
        const NodeId id = ids[key];
        const std::string where = type + " #" + std::to_string(id);
        if (g.node(id)) throw Error("ComfyUI prompt: node \"" + key + "\" has the same id as another node");
        Node& n = g.addNode(type, id);
        const NodeDecl* decl = registry.find(type);
        if (const Json* meta = j.find("_meta"); meta && meta->find("title")) {
            const std::string& t = meta->find("title")->toString();
            if (t != type && !(decl && t == decl->displayName)) n.title = t;
        }
        if (const Json* inputs = j.find("inputs")) {
            for (const auto& [name, v] : inputs->object()) {
                if (isLinkValue(v)) {
                    const Json& from = v.array()[0];
                    pending.push_back({id, name, from.isString() ? from.toString() : std::to_string(from.toInt()),
                                       v.array()[1].toInt()});
                    continue;
                }
                const std::string what = where + ": input '" + name + "'";
                if (name == "upload") continue;  // LoadImage's upload button, a frontend-only widget
                if (!decl) {
                    if (!v.isArray() && !v.isObject()) n.widgets[name] = jsonToValue(v, what);
                    continue;
                }
                const InputDecl* in = decl->findInput(name);
                if (!in || !in->isWidget()) {
                    report.warnings.push_back(what + " is not a widget of " + type + "; its value was dropped");
                    continue;
                }
                try {
                    n.widgets[name] = coerceWidget(*in, jsonToValue(v, what), what, report);
                } catch (const Error& e) {
                    report.warnings.push_back(std::string(e.what()) + "; using the default");
                }
            }
        }
        if (decl) {
            fillMissingWidgets(n, *decl);
        } else {
            unknown.push_back(type);
            Json placeholder = nodeToJson(n);
            placeholder.set("comfyui_prompt", j);
            n.placeholderJson = writeJson(placeholder);
        }
    }
    for (const auto& p : pending) {
        const std::string where = g.describeNode(p.to) + ": input '" + p.input + "'";
        auto it = ids.find(p.fromKey);
        if (it == ids.end()) {
            report.warnings.push_back(where + " is linked to node \"" + p.fromKey + "\", which is not in the prompt; the link was dropped");
            continue;
        }
        const Node* src = g.node(it->second);
        const NodeDecl* sd = registry.find(src->type);
        const NodeDecl* dd = registry.find(g.node(p.to)->type);
        if (p.slot < 0 || (sd && size_t(p.slot) >= sd->outputs.size()) || p.slot > 100000) {
            report.warnings.push_back(where + " is linked to output " + std::to_string(p.slot) + " of " +
                                      g.describeNode(src->id) + ", which does not exist; the link was dropped");
            continue;
        }
        if (dd && !dd->findInput(p.input)) {
            report.warnings.push_back(where + " is not an input of " + dd->type + "; the link was dropped");
            continue;
        }
        g.connect(src->id, int(p.slot), p.to, p.input, sd ? sd->outputs[size_t(p.slot)].type : std::string());
        if (const InputDecl* in = dd ? dd->findInput(p.input) : nullptr; in && in->isWidget())
            g.node(p.to)->widgetInputs.insert(p.input);  // fed by a link: shown as an input
    }
    layOut(g);
    reportPlaceholders(report, unknown);
    return g;
}

QByteArray graphToComfyPrompt(const Graph& graph, const Registry& registry) {
    // Where a link's value really comes from: muted sources give nothing, bypassed ones pass
    // through the input of the same type (the one at the same index first, as ComfyUI does).
    auto resolve = [&](const Link& link) -> std::optional<std::pair<NodeId, int>> {
        NodeId from = link.fromNode;
        int slot = link.fromSlot;
        std::string type = link.type;
        for (size_t hops = 0; hops <= graph.nodes().size(); ++hops) {
            const Node* n = graph.node(from);
            if (!n || n->muted || isNoteType(n->type)) return std::nullopt;
            if (!n->bypassed) return std::make_pair(from, slot);
            const NodeDecl* decl = registry.find(n->type);
            if (!decl) return std::nullopt;
            if (slot >= 0 && size_t(slot) < decl->outputs.size()) type = decl->outputs[size_t(slot)].type;
            const Link* through = nullptr;
            if (slot >= 0 && size_t(slot) < decl->inputs.size() && decl->inputs[size_t(slot)].type == type)
                through = graph.linkInto(from, decl->inputs[size_t(slot)].name);
            for (size_t i = 0; !through && i < decl->inputs.size(); ++i)
                if (decl->inputs[i].type == type) through = graph.linkInto(from, decl->inputs[i].name);
            if (!through) return std::nullopt;
            from = through->fromNode;
            slot = through->fromSlot;
        }
        return std::nullopt;  // a cycle of bypassed nodes
    };

    Json root{Json::Object{}};
    for (const auto& [id, n] : graph.nodes()) {
        if (n.muted || n.bypassed || isNoteType(n.type)) continue;
        const NodeDecl* decl = registry.find(n.type);
        Json inputs{Json::Object{}};
        if (!n.placeholderJson.empty()) {
            try {
                const Json raw = parseJson(n.placeholderJson, "placeholder node");
                if (const Json* p = raw.find("comfyui_prompt"); p && p->find("inputs"))
                    for (const auto& [name, v] : p->find("inputs")->object())
                        if (!isLinkValue(v)) inputs.set(name, v);
            } catch (const Error&) {
            }
        }
        for (const auto& [name, v] : n.widgets)
            if (!v.isNull() && !v.isObject()) inputs.set(name, valueToJson(v));
        for (const auto& [lid, l] : graph.links()) {
            if (l.toNode != id) continue;
            if (auto src = resolve(l))
                inputs.set(l.toInput, Json(Json::Array{Json(std::to_string(src->first)), Json(src->second)}));
        }
        Json node;
        node.set("inputs", std::move(inputs));
        node.set("class_type", Json(n.type));
        Json meta;
        meta.set("title", Json(!n.title.empty() ? n.title : decl && !decl->displayName.empty() ? decl->displayName : n.type));
        node.set("_meta", std::move(meta));
        root.set(std::to_string(id), std::move(node));
    }
    return QByteArray::fromStdString(writeJson(root));
}

}  // namespace tessera
