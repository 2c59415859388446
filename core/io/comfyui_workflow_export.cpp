// Graph -> ComfyUI UI workflow (LiteGraph "version": 0.4), the layout every frontend version reads.
#include "core/io/comfyui_import.h"
#include "core/io/comfyui_kept_instances.h"
#include "core/io/graph_json.h"
#include "core/io/widget_values.h"

#include <algorithm>
#include <map>

namespace tessera {
namespace {

Json pair(double a, double b) { return Json(Json::Array{Json(a), Json(b)}); }

// What the workflow lists as a node's input slots, in slot order: the declared ports, then the widgets
// fed by a link (ComfyUI's converted widgets, marked "widget").
struct InputSlot {
    std::string name;
    std::string type;
    bool widget = false;
};

std::vector<InputSlot> declaredSlots(const Node& node, const NodeDecl& decl, const Graph& graph) {
    std::vector<InputSlot> slots;
    for (const auto& in : decl.inputs)
        if (!in.isWidget()) slots.push_back({in.name, in.type, false});
    for (const auto& in : decl.inputs)
        if (in.isWidget() && (node.widgetInputs.count(in.name) || graph.linkInto(node.id, in.name)))
            slots.push_back({in.name, in.type, true});
    return slots;
}

// An unknown node's slots as the file it came from listed them.
std::vector<InputSlot> placeholderSlots(const Json& original) {
    std::vector<InputSlot> slots;
    if (const Json* inputs = original.find("inputs"))
        for (const Json& in : inputs->array()) {
            InputSlot s;
            s.name = in.find("name") ? in.find("name")->toString() : std::string();
            if (const Json* w = in.find("widget"); w && w->find("name")) s.name = w->find("name")->toString();
            s.type = in.find("type") ? in.find("type")->toString() : std::string();
            slots.push_back(s);
        }
    return slots;
}

Json originalComfyNode(const Node& node) {
    if (node.placeholderJson.empty()) return Json();
    const Json stored = parseJson(node.placeholderJson, "the placeholder of " + node.type);
    const Json* comfy = stored.find("comfyui");
    return comfy ? *comfy : Json();
}

Json widgetValues(const Node& node, const NodeDecl& decl) {
    Json values{Json::Array{}};
    for (const auto& in : decl.inputs) {
        if (!in.isWidget()) continue;
        auto it = node.widgets.find(in.name);
        values.push(it == node.widgets.end() ? valueToJson(in.defaultValue) : valueToJson(it->second));
        if (in.controlAfterGenerate) {
            auto mode = node.controlAfterGenerate.find(in.name);
            values.push(Json(mode == node.controlAfterGenerate.end() ? std::string("fixed") : mode->second));
        }
    }
    return values;
}

class WorkflowWriter {
public:
    WorkflowWriter(const Graph& g, const Registry& r, std::vector<std::string>* notes) : graph_(g), registry_(r), kept_(g, notes) {
        for (const auto& [id, node] : graph_.nodes()) {
            const NodeDecl* decl = registry_.find(node.type);
            originals_[id] = decl ? Json() : originalComfyNode(node);
            slots_[id] = decl ? declaredSlots(node, *decl, graph_) : placeholderSlots(originals_[id]);
        }
    }

    Json write() {
        Json root;
        Json links{Json::Array{}};
        LinkId lastLink = 0;
        for (const auto& [id, link] : graph_.links()) {
            if (!graph_.node(link.fromNode)) continue;
            const KeptLink m = kept_.map(link);  // links into and out of kept instances go to their slots
            if (m.skip) continue;
            const NodeId to = m.toInstance ? m.toInstance : link.toNode;
            const int slot = m.toInstance ? m.toSlot : inputSlot(link.toNode, link.toInput);
            if (slot < 0) continue;
            slotLinks_[{to, slot}] = m.id;
            outputLinks_[{m.from, m.fromSlot}].push_back(m.id);
            links.push(Json(Json::Array{Json(m.id), Json(m.from), Json(m.fromSlot), Json(to), Json(slot),
                                        Json(link.type.empty() ? std::string("*") : link.type)}));
            addReroutes(m.id, m.waypoints);
            lastLink = std::max(lastLink, m.id);
        }
        std::map<NodeId, Json> written;
        for (auto& [id, instance] : kept_.instanceNodes()) written[id] = withLinks(id, instance);
        for (const auto& [id, node] : graph_.nodes())
            if (!kept_.hides(id)) written[id] = writeNode(node);
        Json nodes{Json::Array{}};
        NodeId lastNode = 0;
        int order = 0;
        for (auto& [id, n] : written) {
            n.set("order", Json(order++));
            nodes.push(std::move(n));
            lastNode = std::max(lastNode, id);
        }
        if (!kept_.empty()) {  // a re-import gives the inner nodes and links the same fresh ids
            lastNode = std::max(lastNode, kept_.lastNodeId());
            lastLink = std::max(lastLink, kept_.lastLinkId());
        }
        root.set("last_node_id", Json(lastNode));
        root.set("last_link_id", Json(lastLink));
        root.set("nodes", std::move(nodes));
        root.set("links", std::move(links));
        root.set("groups", writeGroups());
        root.set("config", Json(Json::Object{}));
        if (Json subgraphs = kept_.subgraphs(); !subgraphs.isNull())
            root.set("definitions", Json(Json::Object{{"subgraphs", std::move(subgraphs)}}));
        Json extra{Json::Object{}};
        if (Json groupNodes = kept_.groupNodes(); !groupNodes.isNull()) extra.set("groupNodes", std::move(groupNodes));
        if (!reroutes_.array().empty()) {
            extra.set("reroutes", std::move(reroutes_));
            extra.set("linkExtensions", std::move(linkExtensions_));
        }
        root.set("extra", std::move(extra));
        root.set("version", Json(0.4));
        return root;
    }

private:
    int inputSlot(NodeId node, const std::string& input) const {
        auto it = slots_.find(node);
        if (it == slots_.end()) return -1;
        for (size_t i = 0; i < it->second.size(); ++i)
            if (it->second[i].name == input) return int(i);
        return -1;
    }

    // A link's waypoints as a chain of native reroutes: each points at the one before it (towards the
    // output), the link at the last one.
    void addReroutes(LinkId link, const std::vector<Point>& waypoints) {
        int64_t parent = 0;
        for (const Point& p : waypoints) {
            Json r;
            r.set("id", Json(++lastReroute_));
            if (parent) r.set("parentId", Json(parent));
            r.set("pos", pair(p.x, p.y));
            r.set("linkIds", Json(Json::Array{Json(link)}));
            reroutes_.push(std::move(r));
            parent = lastReroute_;
        }
        if (!parent) return;
        Json ext;
        ext.set("id", Json(link));
        ext.set("parentId", Json(parent));
        linkExtensions_.push(std::move(ext));
    }

    // A kept subgraph or group-node instance as it was read, with the links it has now.
    Json withLinks(NodeId id, Json instance) const {
        for (auto& [key, value] : instance.object()) {
            if (key == "inputs")
                for (size_t k = 0; k < value.array().size(); ++k) {
                    auto link = slotLinks_.find({id, int(k)});
                    if (value.array()[k].isObject()) value.array()[k].set("link", link == slotLinks_.end() ? Json() : Json(link->second));
                }
            if (key == "outputs")
                for (size_t k = 0; k < value.array().size(); ++k) {
                    Json links{Json::Array{}};
                    if (auto it = outputLinks_.find({id, int(k)}); it != outputLinks_.end())
                        for (LinkId l : it->second) links.push(Json(l));
                    if (value.array()[k].isObject()) value.array()[k].set("links", std::move(links));
                }
        }
        return instance;
    }

    Json writeNode(const Node& node) const {
        const NodeDecl* decl = registry_.find(node.type);
        Json n = originals_.at(node.id).isObject() ? originals_.at(node.id) : Json(Json::Object{});
        n.set("id", Json(node.id));
        n.set("type", Json(node.type));
        n.set("pos", pair(node.pos.x, node.pos.y));
        n.set("size", pair(node.size.x, node.size.y));
        Json flags{Json::Object{}};
        if (node.collapsed) flags.set("collapsed", Json(true));
        n.set("flags", std::move(flags));
        n.set("order", Json(0));  // numbered by write()
        n.set("mode", Json(node.muted ? 2 : node.bypassed ? 4 : 0));
        n.set("inputs", writeInputs(node));
        n.set("outputs", writeOutputs(node, decl));
        if (!n.find("properties")) n.set("properties", Json(Json::Object{{"Node name for S&R", Json(node.type)}}));
        if (decl) n.set("widgets_values", widgetValues(node, *decl));
        if (!node.title.empty()) n.set("title", Json(node.title));
        else if (decl && !decl->displayName.empty()) n.set("title", Json(decl->displayName));
        return n;
    }

    Json writeInputs(const Node& node) const {
        Json inputs{Json::Array{}};
        const Json& original = originals_.at(node.id);
        const std::vector<InputSlot>& slots = slots_.at(node.id);
        for (size_t i = 0; i < slots.size(); ++i) {
            Json in = original.find("inputs") ? original.find("inputs")->array()[i] : Json(Json::Object{});
            in.set("name", Json(slots[i].name));
            in.set("type", Json(slots[i].type));
            auto link = slotLinks_.find({node.id, int(i)});
            in.set("link", link == slotLinks_.end() ? Json() : Json(link->second));
            if (slots[i].widget) in.set("widget", Json(Json::Object{{"name", Json(slots[i].name)}}));
            inputs.push(std::move(in));
        }
        return inputs;
    }

    Json writeOutputs(const Node& node, const NodeDecl* decl) const {
        Json outputs{Json::Array{}};
        const Json* original = originals_.at(node.id).find("outputs");
        const size_t count = decl ? decl->outputs.size() : original ? original->array().size() : 0;
        for (size_t i = 0; i < count; ++i) {
            Json out = decl ? Json(Json::Object{}) : original->array()[i];
            if (decl) {
                out.set("name", Json(decl->outputs[i].name));
                out.set("type", Json(decl->outputs[i].type));
            }
            Json links{Json::Array{}};
            if (auto it = outputLinks_.find({node.id, int(i)}); it != outputLinks_.end())
                for (LinkId id : it->second) links.push(Json(id));
            out.set("links", std::move(links));
            out.set("slot_index", Json(int64_t(i)));
            outputs.push(std::move(out));
        }
        return outputs;
    }

    Json writeGroups() const {
        Json groups{Json::Array{}};
        for (const Group& gr : graph_.groups()) {
            Json j;
            j.set("title", Json(gr.title));
            j.set("bounding", Json(Json::Array{Json(gr.x), Json(gr.y), Json(gr.width), Json(gr.height)}));
            if (!gr.color.empty()) j.set("color", Json(gr.color));
            j.set("font_size", Json(24));
            groups.push(std::move(j));
        }
        return groups;
    }

    const Graph& graph_;
    const Registry& registry_;
    KeptInstances kept_;
    std::map<NodeId, Json> originals_;  // unknown nodes: as read
    std::map<NodeId, std::vector<InputSlot>> slots_;
    std::map<std::pair<NodeId, int>, LinkId> slotLinks_;
    std::map<std::pair<NodeId, int>, std::vector<LinkId>> outputLinks_;
    Json reroutes_{Json::Array{}};
    Json linkExtensions_{Json::Array{}};
    int64_t lastReroute_ = 0;
};

}  // namespace

QByteArray graphToComfyWorkflow(const Graph& graph, const Registry& registry, std::vector<std::string>* notes) {
    return QByteArray::fromStdString(writeJson(WorkflowWriter(graph, registry, notes).write(), 2));
}

}  // namespace tessera
