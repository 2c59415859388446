#include "core/io/comfyui_kept_instances.h"

#include "core/common/error.h"
#include "core/io/widget_values.h"

#include <algorithm>
#include <functional>
#include <string_view>
#include <tuple>

namespace tessera {
namespace {

// What execution sees of a node: a save may write an instance back only while these are unchanged.
std::string executionFingerprint(const Node& n) {
    Json j;
    j.set("type", Json(n.type));
    Json widgets{Json::Object{}};
    for (const auto& [name, v] : n.widgets) widgets.set(name, valueToJson(v));
    j.set("widgets", std::move(widgets));
    Json controls{Json::Object{}};
    for (const auto& [name, mode] : n.controlAfterGenerate) controls.set(name, Json(mode));
    j.set("controls", std::move(controls));
    Json converted{Json::Array{}};
    for (const auto& name : n.widgetInputs) converted.push(Json(name));
    j.set("widget_inputs", std::move(converted));
    j.set("mode", Json(n.muted ? 2 : n.bypassed ? 4 : 0));
    j.set("note", Json(n.note));
    return writeJson(j);
}

// The instance as the workflow listed it, less what a save fills in (links, order).
Json withoutLinks(Json node) {
    for (auto& [key, value] : node.object()) {
        if (key == "inputs")
            for (Json& in : value.array())
                if (in.isObject()) in.set("link", Json());
        if (key == "outputs")
            for (Json& out : value.array())
                if (out.isObject()) out.set("links", Json(Json::Array{}));
    }
    std::erase_if(node.object(), [](const auto& member) { return member.first == "order"; });
    return node;
}

bool isGroupNodeInstance(const Json& instance) {
    const Json* node = instance.find("node");
    const std::string type = node && node->find("type") ? node->find("type")->toString() : std::string();
    return type.rfind("workflow/", 0) == 0 || type.rfind("workflow>", 0) == 0;
}

// An array whose entries have the kinds `kinds` spells: 'i' integer, 's' string.
bool isTuple(const Json& j, std::string_view kinds) {
    if (!j.isArray() || j.array().size() != kinds.size()) return false;
    for (size_t k = 0; k < kinds.size(); ++k)
        if (kinds[k] == 'i' ? !j.array()[k].isInt() : !j.array()[k].isString()) return false;
    return true;
}

bool allOf(const Json* list, const std::function<bool(const Json&)>& ok) {
    return list && list->isArray() && std::all_of(list->array().begin(), list->array().end(), ok);
}

// The property is read back from files too (graph.json): anything not as store() writes it is ignored.
bool wellFormed(const Json& inst) {
    const Json* id = inst.find("id");
    const Json* node = inst.find("node");
    return id && id->isInt() && node && node->isObject() &&
           allOf(inst.find("inner"), [](const Json& n) { return isTuple(n, "is"); }) &&
           allOf(inst.find("links"), [](const Json& l) { return isTuple(l, "iiis"); }) &&
           allOf(inst.find("inputs"),
                 [](const Json& in) {
                     return in.find("link") && in.find("link")->isInt() &&
                            allOf(in.find("targets"), [](const Json& t) { return isTuple(t, "isii"); });
                 }) &&
           allOf(inst.find("outputs"), [](const Json& o) { return o.isNull() || isTuple(o, "iii"); });
}

using InnerLink = std::tuple<NodeId, int, NodeId, std::string>;

std::set<InnerLink> linksWithin(const Graph& graph, const std::set<NodeId>& inner) {
    std::set<InnerLink> out;
    for (const auto& [id, l] : graph.links())
        if (inner.count(l.fromNode) && inner.count(l.toNode)) out.insert({l.fromNode, l.fromSlot, l.toNode, l.toInput});
    return out;
}

}  // namespace

InstanceRecorder::InstanceRecorder(const FlattenedLayout& layout) : layout_(layout), slots_(layout.instances.size()) {
    for (size_t i = 0; i < layout.instances.size(); ++i) {
        const FlattenedInstance& inst = layout.instances[i];
        for (size_t k = 0; k < inst.inputs.size(); ++k) boundaries_[inst.inputs[k]] = {i, int(k)};
        for (size_t k = 0; k < inst.outputs.size(); ++k) boundaries_[inst.outputs[k]] = {i, -1 - int(k)};
        slots_[i].segments.assign(inst.inputs.size(), 0);
        slots_[i].targets.resize(inst.inputs.size());
        slots_[i].sources.resize(inst.outputs.size());
    }
}

void InstanceRecorder::crossed(int64_t boundary, const Link& link, int64_t segment, size_t waypointsBefore) {
    auto it = boundaries_.find(boundary);
    if (it == boundaries_.end()) return;
    const auto [i, code] = it->second;
    const FlattenedInstance& inst = layout_.instances[i];
    auto inner = [&](NodeId id) { return id >= inst.firstInner && id < inst.endInner; };
    Slots& s = slots_[i];
    if (code >= 0 && inner(link.toNode)) {
        s.segments[size_t(code)] = segment;
        s.targets[size_t(code)].push_back({link.toNode, link.toInput, link.id, waypointsBefore});
    } else if (code < 0 && inner(link.fromNode)) {
        const size_t total = link.reroutes.size();
        s.sources[size_t(-1 - code)] = {link.fromNode, link.fromSlot, total - std::min(total, waypointsBefore)};
    }
}

void InstanceRecorder::fedByPrimitive(int64_t boundary) {
    if (auto it = boundaries_.find(boundary); it != boundaries_.end()) slots_[it->second.first].keepable = false;
}

void InstanceRecorder::store(Graph& graph) const {
    Json instances{Json::Array{}};
    for (size_t i = 0; i < layout_.instances.size(); ++i) {
        const FlattenedInstance& inst = layout_.instances[i];
        const Slots& s = slots_[i];
        if (!s.keepable) continue;
        Json j;
        j.set("id", Json(inst.id));
        j.set("name", Json(inst.name));
        j.set("node", withoutLinks(inst.node));
        Json inner{Json::Array{}};
        std::set<NodeId> ids;
        for (auto it = graph.nodes().lower_bound(inst.firstInner); it != graph.nodes().end() && it->first < inst.endInner; ++it) {
            inner.push(Json(Json::Array{Json(it->first), Json(executionFingerprint(it->second))}));
            ids.insert(it->first);
        }
        j.set("inner", std::move(inner));
        Json links{Json::Array{}};
        for (const auto& [from, slot, to, input] : linksWithin(graph, ids))
            links.push(Json(Json::Array{Json(from), Json(slot), Json(to), Json(input)}));
        j.set("links", std::move(links));
        Json inputs{Json::Array{}};
        for (size_t k = 0; k < s.targets.size(); ++k) {
            Json targets{Json::Array{}};
            for (const Target& t : s.targets[k])
                targets.push(Json(Json::Array{Json(t.node), Json(t.input), Json(t.link), Json(int64_t(t.innerWaypoints))}));
            inputs.push(Json(Json::Object{{"link", Json(s.segments[k])}, {"targets", std::move(targets)}}));
        }
        j.set("inputs", std::move(inputs));
        Json outputs{Json::Array{}};
        for (const Source& src : s.sources)
            outputs.push(src.slot < 0 ? Json() : Json(Json::Array{Json(src.node), Json(src.slot), Json(int64_t(src.innerWaypoints))}));
        j.set("outputs", std::move(outputs));
        instances.push(std::move(j));
    }
    if (instances.array().empty()) {
        graph.properties().erase(kComfyInstancesProperty);
        return;
    }
    Json root;
    root.set("subgraphs", layout_.subgraphs);
    root.set("groupNodes", layout_.groupNodes);
    root.set("lastNodeId", Json(layout_.lastNodeId));
    root.set("lastLinkId", Json(layout_.lastLinkId));
    root.set("instances", std::move(instances));
    graph.properties()[kComfyInstancesProperty] = writeJson(root);
}

KeptInstances::KeptInstances(const Graph& graph, std::vector<std::string>* notes) {
    auto it = graph.properties().find(kComfyInstancesProperty);
    if (it == graph.properties().end()) return;
    try {
        stored_ = parseJson(it->second, "the graph property " + std::string(kComfyInstancesProperty));
    } catch (const Error& e) {
        if (notes) notes->push_back(std::string(e.what()) + "; subgraphs and group nodes are saved as their nodes");
        return;
    }
    lastNodeId_ = stored_.find("lastNodeId") ? stored_.find("lastNodeId")->toInt() : 0;
    lastLinkId_ = stored_.find("lastLinkId") ? stored_.find("lastLinkId")->toInt() : 0;
    nextFreshLink_ = std::max<LinkId>(graph.nextLinkId(), lastLinkId_ + 1);
    const Json* instances = stored_.find("instances");
    if (!instances) return;
    for (const Json& inst : instances->array()) {
        if (!wellFormed(inst)) continue;
        if (!intact(inst, graph)) {
            if (notes) {
                const Json* name = inst.find("name");
                const Json* id = inst.find("id");
                notes->push_back(std::string(isGroupNodeInstance(inst) ? "group node '" : "subgraph '") +
                                 (name ? name->toString() : std::string()) + "' (#" + std::to_string(id ? id->toInt() : 0) +
                                 ") was edited inside since it was opened: saved as its nodes");
            }
            continue;
        }
        const size_t index = kept_.size();
        kept_.push_back(&inst);
        for (const Json& n : inst.find("inner")->array()) owner_[n.array()[0].toInt()] = index;
        const Json::Array& inputs = inst.find("inputs")->array();
        for (size_t k = 0; k < inputs.size(); ++k) {
            nextFreshLink_ = std::max(nextFreshLink_, inputs[k].find("link")->toInt() + 1);
            for (const Json& t : inputs[k].find("targets")->array())
                inputOf_[{t.array()[0].toInt(), t.array()[1].toString()}] = {index, int(k)};
        }
        const Json::Array& outputs = inst.find("outputs")->array();
        for (size_t k = 0; k < outputs.size(); ++k)
            if (outputs[k].isArray()) outputOf_[{outputs[k].array()[0].toInt(), int(outputs[k].array()[1].toInt())}] = {index, int(k)};
    }
}

// The instance's nodes are all there as they were read, linked among themselves as they were, and
// every link in or out of them goes through one of the instance's slots.
bool KeptInstances::intact(const Json& inst, const Graph& graph) const {
    const Json* inner = inst.find("inner");
    const Json* links = inst.find("links");
    const Json* inputs = inst.find("inputs");
    const Json* outputs = inst.find("outputs");
    if (graph.node(inst.find("id")->toInt())) return false;
    std::set<NodeId> ids;
    for (const Json& n : inner->array()) {
        const Node* node = graph.node(n.array().at(0).toInt());
        if (!node || executionFingerprint(*node) != n.array().at(1).toString()) return false;
        ids.insert(node->id);
    }
    std::set<InnerLink> recorded;
    for (const Json& l : links->array())
        recorded.insert({l.array().at(0).toInt(), int(l.array().at(1).toInt()), l.array().at(2).toInt(), l.array().at(3).toString()});
    if (linksWithin(graph, ids) != recorded) return false;

    std::map<std::pair<NodeId, std::string>, size_t> slotOf;
    for (size_t k = 0; k < inputs->array().size(); ++k)
        for (const Json& t : inputs->array()[k].find("targets")->array()) slotOf[{t.array().at(0).toInt(), t.array().at(1).toString()}] = k;
    std::set<std::pair<NodeId, int>> sources;
    for (const Json& o : outputs->array())
        if (o.isArray()) sources.insert({o.array().at(0).toInt(), int(o.array().at(1).toInt())});
    std::map<size_t, std::set<std::pair<NodeId, int>>> feeding;  // instance input -> what feeds its targets
    for (const auto& [target, k] : slotOf) {
        const Link* l = graph.linkInto(target.first, target.second);
        feeding[k].insert(l ? std::make_pair(l->fromNode, l->fromSlot) : std::make_pair(NodeId(0), -1));
    }
    for (const auto& [k, from] : feeding)
        if (from.size() > 1) return false;  // its targets are now fed from different places
    for (const auto& [lid, l] : graph.links()) {
        const bool fromInside = ids.count(l.fromNode) > 0, toInside = ids.count(l.toNode) > 0;
        if (toInside && !fromInside && !slotOf.count({l.toNode, l.toInput})) return false;
        if (fromInside && !toInside && !sources.count({l.fromNode, l.fromSlot})) return false;
    }
    return true;
}

KeptLink KeptInstances::map(const Link& link) {
    KeptLink out;
    out.id = link.id;
    out.from = link.fromNode;
    out.fromSlot = link.fromSlot;
    out.waypoints = link.reroutes;
    auto from = outputOf_.find({link.fromNode, link.fromSlot});
    auto to = inputOf_.find({link.toNode, link.toInput});
    const auto fromOwner = owner_.find(link.fromNode), toOwner = owner_.find(link.toNode);
    if (fromOwner != owner_.end() && toOwner != owner_.end() && fromOwner->second == toOwner->second) {
        out.skip = true;
        return out;
    }
    size_t dropFront = 0, dropBack = 0;
    if (from != outputOf_.end()) {
        const auto [index, k] = from->second;
        out.from = kept_[index]->find("id")->toInt();
        out.fromSlot = k;
        dropFront = size_t(kept_[index]->find("outputs")->array()[size_t(k)].array()[2].toInt());
    }
    if (to != inputOf_.end()) {
        const auto [index, k] = to->second;
        if (!written_.insert({index, k}).second) {
            out.skip = true;
            return out;
        }
        const Json& input = kept_[index]->find("inputs")->array()[size_t(k)];
        out.toInstance = kept_[index]->find("id")->toInt();
        out.toSlot = k;
        for (const Json& t : input.find("targets")->array())
            if (t.array()[0].toInt() == link.toNode && t.array()[1].toString() == link.toInput) {
                dropBack = size_t(std::max<int64_t>(0, t.array()[3].toInt()));
                // The link the workflow had into the instance, unless the user made a new one.
                out.id = t.array()[2].toInt() == link.id ? input.find("link")->toInt() : nextFreshLink_++;
            }
    }
    if (dropFront + dropBack <= link.reroutes.size())
        out.waypoints.assign(link.reroutes.begin() + int64_t(dropFront), link.reroutes.end() - int64_t(dropBack));
    else
        out.waypoints.clear();
    return out;
}

std::map<NodeId, Json> KeptInstances::instanceNodes() const {
    std::map<NodeId, Json> out;
    for (const Json* inst : kept_) out[inst->find("id")->toInt()] = *inst->find("node");
    return out;
}

Json KeptInstances::subgraphs() const {
    for (const Json* inst : kept_)
        if (!isGroupNodeInstance(*inst))
            return stored_.find("subgraphs") ? *stored_.find("subgraphs") : Json();
    return Json();
}

Json KeptInstances::groupNodes() const {
    for (const Json* inst : kept_)
        if (isGroupNodeInstance(*inst))
            return stored_.find("groupNodes") ? *stored_.find("groupNodes") : Json();
    return Json();
}

}  // namespace tessera
