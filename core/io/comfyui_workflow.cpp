// ComfyUI UI workflow (LiteGraph serialisation, "version": 0.4, and schema 1 link objects).
#include "core/common/error.h"
#include "core/graph/port_types.h"
#include "core/io/comfyui_flatten.h"
#include "core/io/comfyui_import.h"
#include "core/io/comfyui_kept_instances.h"
#include "core/io/graph_json.h"
#include "core/io/widget_values.h"

#include <cmath>
#include <map>
#include <set>

namespace tessera {

namespace {

struct RawLink {
    LinkId id = 0;
    NodeId from = 0;
    int fromSlot = 0;
    NodeId to = 0;
    int toSlot = 0;
    std::string type;
    std::vector<Point> waypoints;  // native reroutes, from the output to the input
};

bool readId(const Json& j, int64_t& out) {
    if (j.isInt()) {
        out = j.toInt();
        return true;
    }
    if (j.isString() && !j.toString().empty() && j.toString().size() < 19 &&
        j.toString().find_first_not_of("0123456789") == std::string::npos) {
        out = std::stoll(j.toString());
        return true;
    }
    return false;
}

// [x, y] or, in older files, {"0": x, "1": y}.
Point readPair(const Json* j) {
    if (!j) return {};
    if (j->isArray() && j->array().size() >= 2) return {finiteOrZero(j->array()[0].toDouble()), finiteOrZero(j->array()[1].toDouble())};
    if (j->isObject()) {
        const Json* x = j->find("0");
        const Json* y = j->find("1");
        return {x ? finiteOrZero(x->toDouble()) : 0, y ? finiteOrZero(y->toDouble()) : 0};
    }
    return {};
}

// The link passes through the middle of a Reroute node's small box.
Point rerouteCenter(const Json& node) {
    const Point pos = readPair(node.find("pos"));
    const Point size = readPair(node.find("size"));
    return {pos.x + size.x / 2, pos.y + size.y / 2};
}

void mapWidgetValues(Node& n, const NodeDecl& decl, const Json& values, const Json* controls, const std::string& where,
                     LoadReport& report) {
    auto assign = [&](const InputDecl& in, const Json& v) {
        const std::string what = where + ": widget '" + in.name + "'";
        try {
            n.widgets[in.name] = coerceWidget(in, jsonToValue(v, what), what, report);
        } catch (const Error& e) {
            report.warnings.push_back(std::string(e.what()) + "; using the default");
        }
    };
    if (values.isObject()) {  // some custom nodes save widgets by name (and flattened group nodes)
        for (const auto& in : decl.inputs)
            if (const Json* v = values.find(in.name); v && in.isWidget()) assign(in, *v);
        if (controls)
            for (const auto& [name, mode] : controls->object())
                if (const InputDecl* in = decl.findInput(name); in && in->controlAfterGenerate && mode.isString())
                    n.controlAfterGenerate[name] = mode.toString();
    } else {
        const PositionalWidgets read = readPositionalWidgets(decl, values.array());
        for (const auto& [in, v] : read.values) assign(*in, *v);
        for (const auto& [name, mode] : read.controls)
            if (const InputDecl* in = decl.findInput(name); in && in->controlAfterGenerate) n.controlAfterGenerate[name] = mode;
    }
    fillMissingWidgets(n, decl);
}

RawLink readLink(const Json& j, size_t index) {
    RawLink l;
    const std::string where = "link " + std::to_string(index + 1);
    if (j.isArray()) {
        const auto& a = j.array();
        if (a.size() < 5) failWorkflow(where + " should be [id, from node, from slot, to node, to slot, type]");
        int64_t v[5];
        for (int k = 0; k < 5; ++k)
            if (!readId(a[size_t(k)], v[k])) failWorkflow(where + " should be [id, from node, from slot, to node, to slot, type]");
        l = {v[0], v[1], int(v[2]), v[3], int(v[4]), a.size() > 5 ? a[5].toString() : std::string(), {}};
        if (v[2] > 100000 || v[4] > 100000) failWorkflow(where + " has an impossible slot number");
    } else if (j.isObject()) {  // schema 1
        int64_t v[5];
        const char* keys[5] = {"id", "origin_id", "origin_slot", "target_id", "target_slot"};
        for (int k = 0; k < 5; ++k) {
            const Json* f = j.find(keys[k]);
            if (!f || !readId(*f, v[k])) failWorkflow(where + " has no valid \"" + keys[k] + "\"");
        }
        if (v[2] < 0 || v[4] < 0 || v[2] > 100000 || v[4] > 100000) failWorkflow(where + " has an impossible slot number");
        const Json* t = j.find("type");
        l = {v[0], v[1], int(v[2]), v[3], int(v[4]), t ? t->toString() : std::string(), {}};
        if (const Json* w = j.find("tessera_waypoints"))
            for (const Json& p : w->array()) l.waypoints.push_back(readPair(&p));
    } else {
        failWorkflow(where + " should be an array or an object");
    }
    return l;
}

// A PrimitiveNode's value (and its "control after generate") into the widget it feeds.
void applyPrimitive(Node& dst, const InputDecl* in, const std::string& name, const Json& primitive, const std::string& who,
                    LoadReport& report) {
    const Json* values = primitive.find("widgets_values");
    if (!values || !values->isArray() || values->array().empty()) return;
    const Json& v = values->array()[0];
    const std::string what = who + ": widget '" + name + "' (from a PrimitiveNode)";
    try {
        dst.widgets[name] = in ? coerceWidget(*in, jsonToValue(v, what), what, report) : jsonToValue(v, what);
    } catch (const Error& e) {
        report.warnings.push_back(std::string(e.what()) + "; the widget keeps its value");
    }
    if (values->array().size() > 1 && in && in->controlAfterGenerate && isControlValue(values->array()[1], true)) {
        const Json& c = values->array()[1];
        dst.controlAfterGenerate[name] = c.isBool() ? (c.toBool() ? "randomize" : "fixed") : c.toString();
    }
}

}  // namespace

Graph importComfyWorkflow(const Json& original, const Registry& registry, LoadReport& report) {
    const Json* nodesJson = original.find("nodes");
    if (!nodesJson || !nodesJson->isArray()) failWorkflow("\"nodes\" should be an array");
    FlattenedLayout layout;
    const Json flat = needsFlattening(original) ? flattenComfyWorkflow(original, registry, report, &layout) : Json();
    InstanceRecorder instances(layout);
    const Json& root = flat.isNull() ? original : flat;
    nodesJson = root.find("nodes");

    Graph g;
    std::map<NodeId, const Json*> raw;
    std::set<NodeId> reroutes, boundaries, primitives;
    std::vector<std::string> unknown;
    for (size_t i = 0; i < nodesJson->array().size(); ++i) {
        const Json& j = nodesJson->array()[i];
        if (!j.isObject()) failWorkflow("node " + std::to_string(i + 1) + " in \"nodes\" is not an object");
        int64_t id = 0;
        const Json* idJson = j.find("id");
        if (!idJson || !readId(*idJson, id)) failWorkflow("node " + std::to_string(i + 1) + " in \"nodes\" has no valid \"id\"");
        const Json* typeJson = j.find("type");
        if (!typeJson || !typeJson->isString() || typeJson->toString().empty())
            failWorkflow("node #" + std::to_string(id) + " has no \"type\"");
        const std::string type = typeJson->toString();
        const std::string where = type + " #" + std::to_string(id);
        if (raw.count(id)) failWorkflow(where + " has the same id as another node");
        raw[id] = &j;
        if (type == "Reroute") {
            reroutes.insert(id);
            if (const Json* b = j.find("tessera_boundary"); b && b->toBool()) boundaries.insert(id);
            continue;
        }
        if (type == "PrimitiveNode") {  // frontend-only: its value goes into the widgets it feeds
            primitives.insert(id);
            continue;
        }
        Node& n = g.addNode(type, id);
        n.pos = readPair(j.find("pos"));
        n.size = readPair(j.find("size"));
        if (const Json* flags = j.find("flags")) n.collapsed = flags->find("collapsed") && flags->find("collapsed")->toBool();
        const int64_t mode = j.find("mode") ? j.find("mode")->toInt() : 0;
        n.muted = mode == 2;
        n.bypassed = mode == 4;
        const Json* values = j.find("widgets_values");
        const NodeDecl* decl = registry.find(type);
        if (const Json* title = j.find("title"); title && title->isString()) {
            const std::string& t = title->toString();
            if (t != type && !(decl && t == decl->displayName)) n.title = t;
        }
        if (decl) {
            if (values) mapWidgetValues(n, *decl, *values, j.find("tessera_controls"), where, report);
            else fillMissingWidgets(n, *decl);
            continue;
        }
        if (isNoteType(type)) {
            if (values && !values->array().empty()) n.note = values->array()[0].toString();
        } else {
            unknown.push_back(type);
        }
        Json placeholder = nodeToJson(n);
        placeholder.set("comfyui", j);
        n.placeholderJson = writeJson(placeholder);
    }

    // Links, with reroute chains collapsed into direct links.
    std::map<LinkId, RawLink> links;
    std::map<NodeId, LinkId> intoReroute;
    if (const Json* linksJson = root.find("links")) {
        if (!linksJson->isArray()) failWorkflow("\"links\" should be an array");
        for (size_t i = 0; i < linksJson->array().size(); ++i) {
            const Json& lj = linksJson->array()[i];
            if (lj.isNull()) continue;
            RawLink l = readLink(lj, i);
            if (links.count(l.id)) failWorkflow("link " + std::to_string(l.id) + " appears twice");
            if (reroutes.count(l.to)) intoReroute[l.to] = l.id;
            links[l.id] = l;
        }
    }
    for (const auto& [id, l] : links) {
        if (reroutes.count(l.to) || primitives.count(l.to)) continue;
        const std::string where = "link " + std::to_string(id);
        NodeId from = l.from;
        int slot = l.fromSlot;
        std::string type = l.type;
        std::vector<Point> waypoints(l.waypoints.rbegin(), l.waypoints.rend());  // walked from the input back
        bool dropped = false;
        struct Crossing {
            NodeId boundary;
            LinkId segment;
            size_t waypointsBefore;
        };
        std::vector<Crossing> crossings;  // subgraph / group-node slots passed
        for (size_t hops = 0; reroutes.count(from); ++hops) {
            if (!boundaries.count(from)) waypoints.push_back(rerouteCenter(*raw[from]));
            auto it = intoReroute.find(from);
            if (boundaries.count(from)) crossings.push_back({from, it == intoReroute.end() ? 0 : it->second, waypoints.size()});
            if (it == intoReroute.end() || hops > links.size()) {
                // An unconnected subgraph or group-node input is normal; a dangling Reroute is worth a word.
                if (!boundaries.count(from))
                    report.warnings.push_back(where + " comes from a Reroute with nothing connected; it was dropped");
                dropped = true;
                break;
            }
            const RawLink& up = links[it->second];
            from = up.from;
            slot = up.fromSlot;
            if (type.empty() || type == "*") type = up.type;
            waypoints.insert(waypoints.end(), up.waypoints.rbegin(), up.waypoints.rend());
        }
        if (dropped) continue;
        const Node* src = g.node(from);
        Node* dst = g.node(l.to);
        if ((!src && !primitives.count(from)) || !dst) {
            report.warnings.push_back(where + " connects node " + std::to_string(src || primitives.count(from) ? l.to : from) +
                                      ", which is not in the workflow; it was dropped");
            continue;
        }
        const auto& inputs = raw[l.to]->find("inputs") ? raw[l.to]->find("inputs")->array() : Json::Array{};
        if (l.toSlot < 0 || size_t(l.toSlot) >= inputs.size()) {
            report.warnings.push_back(where + " goes to input slot " + std::to_string(l.toSlot) + " of " +
                                      g.describeNode(l.to) + ", which does not exist; it was dropped");
            continue;
        }
        const Json& input = inputs[size_t(l.toSlot)];
        std::string name = input.find("name") ? input.find("name")->toString() : std::string();
        if (const Json* w = input.find("widget"); w && w->find("name") && w->find("name")->isString())
            name = w->find("name")->toString();  // a widget converted to an input
        if (name.empty()) name = "input" + std::to_string(l.toSlot);
        const NodeDecl* decl = registry.find(dst->type);
        const InputDecl* in = decl ? decl->findInput(name) : nullptr;
        if (decl && !in) {
            report.warnings.push_back(where + " goes to input '" + name + "' of " + g.describeNode(l.to) + ", which " +
                                      dst->type + " does not have; it was dropped");
            continue;
        }
        if (primitives.count(from)) {  // as the frontend does when it queues: the widget takes the value
            if (in && !in->isWidget()) {
                report.warnings.push_back(where + " brings a PrimitiveNode's value to input '" + name + "' of " +
                                          g.describeNode(l.to) + ", which takes a " + in->type +
                                          " link, not a value; it was dropped");
                continue;
            }
            applyPrimitive(*dst, in, name, *raw[from], g.describeNode(l.to), report);
            for (const Crossing& c : crossings) instances.fedByPrimitive(c.boundary);
            continue;
        }
        if (in && in->isWidget()) dst->widgetInputs.insert(name);  // a widget converted to an input
        if (const NodeDecl* sd = registry.find(src->type); sd && slot >= 0 && size_t(slot) < sd->outputs.size())
            type = sd->outputs[size_t(slot)].type;
        Link link;
        link.id = id;
        link.fromNode = from;
        link.fromSlot = slot;
        link.toNode = l.to;
        link.toInput = name;
        link.type = type == "*" ? std::string() : type;
        link.reroutes.assign(waypoints.rbegin(), waypoints.rend());
        g.addLink(link);
        for (const Crossing& c : crossings) instances.crossed(c.boundary, link, c.segment, c.waypointsBefore);
    }

    if (const Json* groups = root.find("groups"))
        for (const Json& gj : groups->array()) {
            Group gr;
            gr.title = gj.find("title") ? gj.find("title")->toString() : std::string();
            gr.color = gj.find("color") ? gj.find("color")->toString() : std::string();
            if (const Json* b = gj.find("bounding"); b && b->array().size() == 4) {
                gr.x = finiteOrZero(b->array()[0].toDouble());
                gr.y = finiteOrZero(b->array()[1].toDouble());
                gr.width = finiteOrZero(b->array()[2].toDouble());
                gr.height = finiteOrZero(b->array()[3].toDouble());
            }
            g.groups().push_back(gr);
        }
    instances.store(g);
    reportPlaceholders(report, unknown);
    return g;
}

}  // namespace tessera
