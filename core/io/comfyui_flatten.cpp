#include "core/io/comfyui_flatten.h"

#include "core/common/error.h"
#include "core/io/widget_values.h"

#include <algorithm>
#include <map>
#include <set>
#include <vector>

namespace tessera {

[[noreturn]] void failWorkflow(const std::string& problem) { throw Error("ComfyUI workflow: " + problem); }

namespace {

constexpr int64_t kSubgraphInputNode = -10;
constexpr int64_t kSubgraphOutputNode = -20;
constexpr int kMaxSubgraphDepth = 16;

bool readInt(const Json* j, int64_t& out) {
    if (!j) return false;
    if (j->isInt()) {
        out = j->toInt();
        return true;
    }
    const std::string& s = j->toString();
    const size_t digits = s.size() - (s.rfind('-', 0) == 0 ? 1 : 0);
    if (!j->isString() || digits == 0 || digits > 17 || s.find_first_not_of("0123456789", s.size() - digits) != std::string::npos)
        return false;
    out = std::stoll(s);
    return true;
}

bool nonEmpty(const Json* j) { return j && ((j->isArray() && !j->array().empty()) || (j->isObject() && !j->object().empty())); }

struct LevelLink {
    int64_t from = 0;
    int fromSlot = 0;
    int64_t to = 0;
    int toSlot = 0;
    Json type;
    Json waypoints;  // [[x, y], ...] from output to input, or null
    int64_t id = 0;  // kept at the top level
};

using Reroutes = std::map<int64_t, std::pair<Json, int64_t>>;  // id -> (pos, parent id or 0)

Reroutes readReroutes(const Json* list) {
    Reroutes out;
    if (!list) return out;
    for (const Json& r : list->array()) {
        int64_t id = 0, parent = 0;
        if (!readInt(r.find("id"), id)) continue;
        readInt(r.find("parentId"), parent);
        out[id] = {r.find("pos") ? *r.find("pos") : Json(Json::Array{Json(0), Json(0)}), parent};
    }
    return out;
}

// The chain of reroutes a link passes, listed from the input back to the output, reversed.
Json waypointsFrom(int64_t parent, const Reroutes& reroutes) {
    Json::Array points;
    for (size_t hops = 0; parent != 0 && hops <= reroutes.size(); ++hops) {
        auto it = reroutes.find(parent);
        if (it == reroutes.end()) break;
        Json pos = it->second.first;
        if (pos.isObject()) pos = Json(Json::Array{pos.find("0") ? *pos.find("0") : Json(0), pos.find("1") ? *pos.find("1") : Json(0)});
        points.push_back(pos);
        parent = it->second.second;
    }
    if (points.empty()) return Json();
    std::reverse(points.begin(), points.end());
    return Json(std::move(points));
}

// Links of one level, arrays (0.4) or objects (1); `extensions` maps link ids to their parent reroute (0.4).
std::vector<LevelLink> readLevelLinks(const Json* links, const Reroutes& reroutes, const std::map<int64_t, int64_t>& extensions) {
    std::vector<LevelLink> out;
    if (!links) return out;
    if (!links->isArray()) failWorkflow("\"links\" should be an array");
    for (size_t i = 0; i < links->array().size(); ++i) {
        const Json& j = links->array()[i];
        if (j.isNull()) continue;
        LevelLink l;
        int64_t v[5];
        int64_t parent = 0;
        const std::string where = "link " + std::to_string(i + 1);
        if (j.isArray()) {
            const auto& a = j.array();
            bool ok = a.size() >= 5;
            for (size_t k = 0; ok && k < 5; ++k) ok = readInt(&a[k], v[k]);
            if (!ok) failWorkflow(where + " should be [id, from node, from slot, to node, to slot, type]");
            if (a.size() > 5) l.type = a[5];
            if (auto it = extensions.find(v[0]); it != extensions.end()) parent = it->second;
        } else if (j.isObject()) {
            const char* keys[5] = {"id", "origin_id", "origin_slot", "target_id", "target_slot"};
            for (int k = 0; k < 5; ++k)
                if (!readInt(j.find(keys[k]), v[k])) failWorkflow(where + " has no valid \"" + keys[k] + "\"");
            if (j.find("type")) l.type = *j.find("type");
            readInt(j.find("parentId"), parent);
        } else {
            failWorkflow(where + " should be an array or an object");
        }
        if (v[2] < 0 || v[4] < 0 || v[2] > 100000 || v[4] > 100000) failWorkflow(where + " has an impossible slot number");
        l.id = v[0];
        l.from = v[1];
        l.fromSlot = int(v[2]);
        l.to = v[3];
        l.toSlot = int(v[4]);
        l.waypoints = waypointsFrom(parent, reroutes);
        out.push_back(std::move(l));
    }
    return out;
}

std::pair<double, double> readPos(const Json* j) {
    if (!j) return {0, 0};
    if (j->isArray() && j->array().size() >= 2) return {j->array()[0].toDouble(), j->array()[1].toDouble()};
    if (j->isObject()) return {j->find("0") ? j->find("0")->toDouble() : 0, j->find("1") ? j->find("1")->toDouble() : 0};
    return {0, 0};
}

const Json* path(const Json& j, std::initializer_list<const char*> keys) {
    const Json* at = &j;
    for (const char* k : keys)
        if (!(at = at->find(k))) return nullptr;
    return at;
}

class Flattener {
public:
    Flattener(const Json& root, const Registry& registry, LoadReport& report)
        : root_(root), registry_(registry), report_(report) {}

    Json run() {
        collectSubgraphs(root_, 0);
        if (const Json* g = path(root_, {"extra", "groupNodes"}))
            for (const auto& [name, def] : g->object()) groupNodes_[name] = &def;
        const Json* nodes = root_.find("nodes");
        for (const Json& n : nodes->array()) {
            int64_t id = 0;
            if (readInt(n.find("id"), id)) nextNode_ = std::max(nextNode_, id + 1);
        }
        int64_t last = 0;
        if (readInt(root_.find("last_node_id"), last) || readInt(path(root_, {"state", "lastNodeId"}), last))
            nextNode_ = std::max(nextNode_, last + 1);

        Reroutes reroutes = readReroutes(root_.find("reroutes"));
        for (auto& [id, r] : readReroutes(path(root_, {"extra", "reroutes"}))) reroutes[id] = r;
        std::map<int64_t, int64_t> extensions;
        if (const Json* ext = path(root_, {"extra", "linkExtensions"}))
            for (const Json& e : ext->array()) {
                int64_t id = 0, parent = 0;
                if (readInt(e.find("id"), id) && readInt(e.find("parentId"), parent)) extensions[id] = parent;
            }
        const std::vector<LevelLink> links = readLevelLinks(root_.find("links"), reroutes, extensions);
        for (const auto& l : links) nextLink_ = std::max(nextLink_, l.id + 1);
        if (readInt(root_.find("last_link_id"), last) || readInt(path(root_, {"state", "lastLinkId"}), last))
            nextLink_ = std::max(nextLink_, last + 1);
        layout_.lastNodeId = nextNode_ - 1;
        layout_.lastLinkId = nextLink_ - 1;
        if (const Json* s = path(root_, {"definitions", "subgraphs"})) layout_.subgraphs = *s;
        if (const Json* g = path(root_, {"extra", "groupNodes"})) layout_.groupNodes = *g;

        // In id order, so the fresh ids do not depend on the order a file lists its nodes in.
        Json::Array top = nodes->array();
        auto idOf = [](const Json& n) {
            int64_t id = 0;
            readInt(n.find("id"), id);
            return id;
        };
        std::stable_sort(top.begin(), top.end(), [&](const Json& a, const Json& b) { return idOf(a) < idOf(b); });
        emitLevel(top, links, nullptr, true, 0, {0, 0}, 0, {});

        Json out = root_;
        out.set("nodes", Json(std::move(nodes_)));
        out.set("links", Json(std::move(links_)));
        return out;
    }

    FlattenedLayout& layout() { return layout_; }

private:
    struct Boundary {
        std::vector<int64_t> in, out;  // boundary Reroute ids per instance input / output
    };

    void collectSubgraphs(const Json& container, int depth) {
        if (depth > kMaxSubgraphDepth) failWorkflow("subgraph definitions are nested deeper than " + std::to_string(kMaxSubgraphDepth) + " levels");
        const Json* list = path(container, {"definitions", "subgraphs"});
        if (!list) return;
        for (const Json& def : list->array()) {
            if (const Json* id = def.find("id"); id && id->isString()) subgraphs_[id->toString()] = &def;
            collectSubgraphs(def, depth + 1);
        }
    }

    const Json* groupNodeDef(const std::string& type) const {
        for (const char* prefix : {"workflow/", "workflow>"})
            if (type.rfind(prefix, 0) == 0)
                if (auto it = groupNodes_.find(type.substr(9)); it != groupNodes_.end()) return it->second;
        return nullptr;
    }

    int64_t freshNode() { return nextNode_++; }

    void emitBoundaryNode(int64_t id, std::pair<double, double> pos) {
        Json n;
        n.set("id", Json(id));
        n.set("type", Json("Reroute"));
        n.set("pos", Json(Json::Array{Json(pos.first), Json(pos.second)}));
        n.set("tessera_boundary", Json(true));
        nodes_.push_back(std::move(n));
    }

    void emitLink(int64_t id, int64_t from, int fromSlot, int64_t to, int toSlot, const Json& type, const Json& waypoints) {
        Json l;
        l.set("id", Json(id));
        l.set("origin_id", Json(from));
        l.set("origin_slot", Json(fromSlot));
        l.set("target_id", Json(to));
        l.set("target_slot", Json(toSlot));
        l.set("type", type);
        if (!waypoints.isNull()) l.set("tessera_waypoints", waypoints);
        links_.push_back(std::move(l));
    }

    // One graph level: its nodes (instances expanded) and its links (re-targeted at the boundaries).
    void emitLevel(const Json::Array& nodes, const std::vector<LevelLink>& links, const Boundary* boundary, bool top,
                   int64_t inheritedMode, std::pair<double, double> offset, int depth, std::vector<std::string> stack) {
        std::map<int64_t, int64_t> ids;
        std::map<int64_t, Boundary> instances;
        for (size_t i = 0; i < nodes.size(); ++i) {
            const Json& n = nodes[i];
            int64_t local = 0;
            if (!readInt(n.find("id"), local)) failWorkflow("node " + std::to_string(i + 1) + " in \"nodes\" has no valid \"id\"");
            const int64_t id = top ? local : freshNode();
            ids[local] = id;
            const std::string type = n.find("type") ? n.find("type")->toString() : std::string();
            int64_t mode = n.find("mode") ? n.find("mode")->toInt() : 0;
            if (mode == 0) mode = inheritedMode;
            auto [x, y] = readPos(n.find("pos"));
            x += offset.first;
            y += offset.second;

            auto sub = subgraphs_.find(type);
            const Json* group = sub == subgraphs_.end() ? groupNodeDef(type) : nullptr;
            if (sub == subgraphs_.end() && !group) {
                Json copy = n;
                copy.set("id", Json(id));
                copy.set("mode", Json(mode));
                copy.set("pos", Json(Json::Array{Json(x), Json(y)}));
                nodes_.push_back(std::move(copy));
                continue;
            }
            const std::string name = sub != subgraphs_.end() ? type : type.substr(9);
            if (std::find(stack.begin(), stack.end(), name) != stack.end())
                failWorkflow((group ? "group node '" : "subgraph '") + name + "' contains itself");
            if (depth >= kMaxSubgraphDepth) failWorkflow("subgraphs are nested deeper than " + std::to_string(kMaxSubgraphDepth) + " levels");
            Boundary b;
            const size_t ins = std::max(n.find("inputs") ? n.find("inputs")->array().size() : 0,
                                        sub != subgraphs_.end() && sub->second->find("inputs") ? sub->second->find("inputs")->array().size() : 0);
            const size_t outs = std::max(n.find("outputs") ? n.find("outputs")->array().size() : 0,
                                         sub != subgraphs_.end() && sub->second->find("outputs") ? sub->second->find("outputs")->array().size() : 0);
            for (size_t k = 0; k < ins; ++k) b.in.push_back(freshNode());
            for (size_t k = 0; k < outs; ++k) b.out.push_back(freshNode());
            for (int64_t r : b.in) emitBoundaryNode(r, {x, y});
            for (int64_t r : b.out) emitBoundaryNode(r, {x, y});
            stack.push_back(name);
            const int64_t firstInner = nextNode_;
            if (group) expandGroup(*group, name, n, b, mode, {x, y}, depth + 1, stack);
            else expandSubgraph(*sub->second, b, mode, {x, y}, depth + 1, stack);
            stack.pop_back();
            if (top) {
                const Json* subName = group ? nullptr : sub->second->find("name");
                layout_.instances.push_back({local, subName && subName->isString() ? subName->toString() : name, n, b.in, b.out,
                                             firstInner, nextNode_});
            }
            instances[local] = std::move(b);
        }

        for (const LevelLink& l : links) {
            // A link to a slot its end does not have: dropped, and said so.
            const auto drop = [&](const std::string& end, int slot, size_t count) {
                report_.warnings.push_back("link " + std::to_string(l.id) + (stack.empty() ? "" : " inside '" + stack.back() + "'") + " " +
                                           end + " slot " + std::to_string(slot) + ", which it does not have (it has " +
                                           std::to_string(count) + "); the link was dropped");
            };
            int64_t from = 0, to = 0;
            int fromSlot = l.fromSlot, toSlot = l.toSlot;
            if (auto it = instances.find(l.from); it != instances.end()) {
                if (size_t(l.fromSlot) >= it->second.out.size()) {
                    drop("comes from subgraph node #" + std::to_string(l.from) + "'s output", l.fromSlot, it->second.out.size());
                    continue;
                }
                from = it->second.out[size_t(l.fromSlot)];
                fromSlot = 0;
            } else if (boundary && l.from == kSubgraphInputNode) {
                if (size_t(l.fromSlot) >= boundary->in.size()) {
                    drop("comes from the subgraph's input", l.fromSlot, boundary->in.size());
                    continue;
                }
                from = boundary->in[size_t(l.fromSlot)];
                fromSlot = 0;
            } else {
                auto id = ids.find(l.from);
                from = id != ids.end() ? id->second : top ? l.from : freshNode();
            }
            if (auto it = instances.find(l.to); it != instances.end()) {
                if (size_t(l.toSlot) >= it->second.in.size()) {
                    drop("goes to subgraph node #" + std::to_string(l.to) + "'s input", l.toSlot, it->second.in.size());
                    continue;
                }
                to = it->second.in[size_t(l.toSlot)];
                toSlot = 0;
            } else if (boundary && l.to == kSubgraphOutputNode) {
                if (size_t(l.toSlot) >= boundary->out.size()) {
                    drop("goes to the subgraph's output", l.toSlot, boundary->out.size());
                    continue;
                }
                to = boundary->out[size_t(l.toSlot)];
                toSlot = 0;
            } else {
                auto id = ids.find(l.to);
                to = id != ids.end() ? id->second : top ? l.to : freshNode();
            }
            emitLink(top ? l.id : nextLink_++, from, fromSlot, to, toSlot, l.type, top ? l.waypoints : Json());
        }
    }

    void expandSubgraph(const Json& def, const Boundary& b, int64_t mode, std::pair<double, double> at, int depth,
                        const std::vector<std::string>& stack) {
        const Json* nodes = def.find("nodes");
        if (!nodes) return;
        const std::vector<LevelLink> links = readLevelLinks(def.find("links"), {}, {});
        // Inner positions are relative to the subgraph's own canvas: start them at the instance.
        std::pair<double, double> origin{1e300, 1e300};
        for (const Json& n : nodes->array()) {
            auto [x, y] = readPos(n.find("pos"));
            origin = {std::min(origin.first, x), std::min(origin.second, y)};
        }
        if (nodes->array().empty()) origin = {0, 0};
        emitLevel(nodes->array(), links, &b, false, mode, {at.first - origin.first, at.second - origin.second}, depth, stack);
    }

    void expandGroup(const Json& def, const std::string& name, const Json& instance, const Boundary& b, int64_t mode,
                     std::pair<double, double> at, int depth, const std::vector<std::string>& stack);

    const Json& root_;
    const Registry& registry_;
    LoadReport& report_;
    std::map<std::string, const Json*> subgraphs_;
    std::map<std::string, const Json*> groupNodes_;
    int64_t nextNode_ = 1;
    int64_t nextLink_ = 1;
    Json::Array nodes_;
    Json::Array links_;
    FlattenedLayout layout_;
};

// Group nodes: GroupNodeConfig's layout of inputs, outputs and widget values.
void Flattener::expandGroup(const Json& def, const std::string& name, const Json& instance, const Boundary& b, int64_t mode,
                            std::pair<double, double> at, int depth, const std::vector<std::string>& stack) {
    const Json::Array& inner = def.find("nodes") ? def.find("nodes")->array() : Json::Array{};
    std::set<std::pair<int64_t, int>> linkedTo, linkedFrom, external;
    std::vector<LevelLink> links;
    if (const Json* ls = def.find("links"))
        for (const Json& l : ls->array()) {
            const auto& a = l.array();
            int64_t v[4];
            bool ok = a.size() >= 4;
            for (size_t k = 1; ok && k < 4; ++k) ok = readInt(&a[k], v[k]);
            if (!ok || !readInt(&a[0], v[0])) continue;  // a null origin comes from outside the group
            linkedFrom.insert({v[0], int(v[1])});
            linkedTo.insert({v[2], int(v[3])});
            LevelLink link;
            link.from = v[0];
            link.fromSlot = int(v[1]);
            link.to = v[2];
            link.toSlot = int(v[3]);
            if (a.size() > 5) link.type = a[5];
            links.push_back(std::move(link));
        }
    if (const Json* ext = def.find("external"))
        for (const Json& e : ext->array()) {
            const auto& a = e.array();
            int64_t idx = 0, slot = 0;
            if (a.size() < 2 || !readInt(&a[1], slot)) continue;
            if (a[0].isObject() ? readInt(a[0].find("index"), idx) : readInt(&a[0], idx)) external.insert({idx, int(slot)});
        }
    const Json* config = def.find("config");
    auto configOf = [&](size_t idx, const char* side, const std::string& key) -> const Json* {
        return config ? path(*config, {std::to_string(idx).c_str(), side, key.c_str()}) : nullptr;
    };
    auto hidden = [](const Json* c) { return c && c->find("visible") && c->find("visible")->isBool() && !c->find("visible")->toBool(); };

    // Nodes the frontend leaves out: reroutes used only inside, primitives feeding nothing.
    auto skipped = [&](size_t idx) {
        const std::string type = inner[idx].find("type") ? inner[idx].find("type")->toString() : std::string();
        const int64_t i = int64_t(idx);
        if (type == "Reroute") return linkedTo.count({i, 0}) && linkedFrom.count({i, 0}) && !external.count({i, 0});
        if (type == "PrimitiveNode") return !linkedFrom.count({i, 0});
        return false;
    };
    auto slotInputs = [&](size_t idx, bool converted) {
        std::vector<int> inputSlots;  // not `slots`: Qt defines that as a macro
        if (const Json* ins = inner[idx].find("inputs"))
            for (size_t j = 0; j < ins->array().size(); ++j)
                if ((ins->array()[j].find("widget") != nullptr) == converted) inputSlots.push_back(int(j));
        return inputSlots;
    };

    // Instance inputs: each node's unlinked slots in order, then the unlinked converted widgets.
    for (bool converted : {false, true})
        for (size_t idx = 0; idx < inner.size(); ++idx) {
            if (skipped(idx)) continue;
            for (int j : slotInputs(idx, converted)) {
                if (linkedTo.count({int64_t(idx), j})) continue;
                const Json& in = inner[idx].find("inputs")->array()[size_t(j)];
                if (!converted && hidden(configOf(idx, "input", in.find("name") ? in.find("name")->toString() : std::string())))
                    continue;
                const size_t k = links.size();
                LevelLink link;
                link.from = kSubgraphInputNode;
                link.fromSlot = int(std::count_if(links.begin(), links.begin() + int64_t(k),
                                                  [](const LevelLink& l) { return l.from == kSubgraphInputNode; }));
                link.to = int64_t(idx);
                link.toSlot = j;
                links.push_back(std::move(link));
            }
        }
    // Instance outputs: those not used inside the group, or used outside too.
    int outSlot = 0;
    for (size_t idx = 0; idx < inner.size(); ++idx) {
        if (skipped(idx)) continue;
        const size_t count = inner[idx].find("outputs") ? inner[idx].find("outputs")->array().size() : 0;
        for (size_t o = 0; o < count; ++o) {
            const bool usedInside = linkedFrom.count({int64_t(idx), int(o)}) && !external.count({int64_t(idx), int(o)});
            const Json* c = configOf(idx, "output", std::to_string(o));
            const bool visible = c && c->find("visible") && c->find("visible")->isBool() ? c->find("visible")->toBool() : !usedInside;
            if (!visible) continue;
            LevelLink link;
            link.from = int64_t(idx);
            link.fromSlot = int(o);
            link.to = kSubgraphOutputNode;
            link.toSlot = outSlot++;
            links.push_back(std::move(link));
        }
    }

    // Widget values: the instance's list, node by node (converted widgets last); each inner node's own
    // saved values fill what the instance does not give.
    Json::Array nodes;
    const Json::Array& values = instance.find("widgets_values") ? instance.find("widgets_values")->array() : Json::Array{};
    size_t next = 0;
    std::vector<Json> byName(inner.size(), Json(Json::Object{}));
    std::vector<Json> controls(inner.size(), Json(Json::Object{}));
    auto convertedNames = [&](size_t idx) {
        std::set<std::string> names;
        for (int j : slotInputs(idx, true))
            if (const Json* w = inner[idx].find("inputs")->array()[size_t(j)].find("widget"); w && w->find("name"))
                names.insert(w->find("name")->toString());
        return names;
    };
    auto take = [&](size_t idx, const NodeDecl& decl, const Json::Array& list, size_t start, const std::set<std::string>& skip) {
        const PositionalWidgets read = readPositionalWidgets(decl, list, start, skip);
        for (const auto& [in, v] : read.values) byName[idx].set(in->name, *v);
        for (const auto& [w, m] : read.controls) controls[idx].set(w, Json(m));
        return read.next;
    };
    std::vector<Json> ownValues(inner.size());
    for (size_t idx = 0; idx < inner.size(); ++idx) {
        const std::string type = inner[idx].find("type") ? inner[idx].find("type")->toString() : std::string();
        const Json* own = inner[idx].find("widgets_values");
        const NodeDecl* decl = registry_.find(type);
        if (decl && own && own->isArray()) take(idx, *decl, own->array(), 0, {});
        if (skipped(idx)) continue;
        if (type == "PrimitiveNode") {
            Json::Array v;
            if (next < values.size()) v.push_back(values[next++]);
            if (next < values.size() && isControlValue(values[next], true)) v.push_back(values[next++]);
            if (!v.empty()) ownValues[idx] = Json(std::move(v));
        } else if (decl) {
            next = take(idx, *decl, values, next, convertedNames(idx));
        } else if (own && own->isArray()) {  // unknown type: as many values as it saved
            Json::Array v;
            for (size_t k = 0; k < own->array().size() && next < values.size(); ++k) v.push_back(values[next++]);
            ownValues[idx] = Json(std::move(v));
        }
    }
    for (size_t idx = 0; idx < inner.size(); ++idx) {
        const NodeDecl* decl = registry_.find(inner[idx].find("type") ? inner[idx].find("type")->toString() : std::string());
        if (!decl || skipped(idx)) continue;
        for (int j : slotInputs(idx, true)) {
            if (linkedTo.count({int64_t(idx), j}) || next >= values.size()) continue;
            const Json* w = inner[idx].find("inputs")->array()[size_t(j)].find("widget");
            const InputDecl* in = w && w->find("name") ? decl->findInput(w->find("name")->toString()) : nullptr;
            if (!in) continue;
            byName[idx].set(in->name, values[next++]);
            if (next < values.size() && in->type == "INT" && isControlValue(values[next], in->controlAfterGenerate))
                controls[idx].set(in->name, values[next++]);
        }
    }
    if (next < values.size())
        report_.warnings.push_back("group node '" + name + "': " + std::to_string(values.size() - next) +
                                   " widget value(s) were left over; the group's nodes may have changed since it was saved");

    std::pair<double, double> origin{1e300, 1e300};
    for (size_t idx = 0; idx < inner.size(); ++idx) {
        Json n = inner[idx];
        n.set("id", Json(int64_t(idx)));
        if (!ownValues[idx].isNull()) n.set("widgets_values", ownValues[idx]);
        else if (!byName[idx].object().empty()) n.set("widgets_values", byName[idx]);
        if (!controls[idx].object().empty()) n.set("tessera_controls", controls[idx]);
        auto [x, y] = readPos(n.find("pos"));
        origin = {std::min(origin.first, x), std::min(origin.second, y)};
        nodes.push_back(std::move(n));
    }
    if (inner.empty()) origin = {0, 0};
    emitLevel(nodes, links, &b, false, mode, {at.first - origin.first, at.second - origin.second}, depth, stack);
}

}  // namespace

bool needsFlattening(const Json& root) {
    return nonEmpty(path(root, {"definitions", "subgraphs"})) || nonEmpty(path(root, {"extra", "groupNodes"})) ||
           nonEmpty(path(root, {"extra", "reroutes"})) || nonEmpty(root.find("reroutes"));
}

Json flattenComfyWorkflow(const Json& root, const Registry& registry, LoadReport& report, FlattenedLayout* layout) {
    const Json* nodes = root.find("nodes");
    if (!nodes || !nodes->isArray()) failWorkflow("\"nodes\" should be an array");
    Flattener flattener(root, registry, report);
    Json flat = flattener.run();
    if (layout) *layout = std::move(flattener.layout());
    return flat;
}

}  // namespace tessera
