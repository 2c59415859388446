#include "core/exec/run_plan.h"

#include <functional>
#include <optional>
#include <set>

namespace tessera {
namespace {

class Planner {
public:
    Planner(const Graph& g, const Registry& r) : graph_(g), registry_(r) {
        for (const auto& [id, link] : graph_.links()) linksInto_[link.toNode].push_back(&link);
    }

    std::vector<ValidationIssue> issues;
    std::set<NodeId> needed;
    std::map<NodeId, std::map<std::string, OutputRef>> links;

    void chooseTargets(const std::vector<NodeId>& targets) {
        if (!targets.empty()) {
            for (NodeId id : targets) {
                const Node* n = graph_.node(id);
                if (!n) issues.push_back({id, {}, "cannot run node #" + std::to_string(id) + ": there is no such node"});
                else if (n->muted) report(id, "is muted; unmute it to run it");
                else if (n->bypassed) report(id, "is bypassed; enable it to run it");
                else need(id);
            }
            return;
        }
        for (const auto& [id, node] : graph_.nodes()) {
            const NodeDecl* decl = registry_.find(node.type);
            if (decl && decl->isOutput && !node.muted && !node.bypassed) need(id);
        }
        if (needed.empty() && issues.empty())
            issues.push_back({0, {}, "nothing to run: the graph has no enabled output node (such as SaveImage or "
                                     "PreviewImage); add one"});
    }

private:
    void report(NodeId id, const std::string& message, const std::string& input = {}) {
        issues.push_back({id, input, graph_.describeNode(id) + " " + message});
    }

    void need(NodeId id) {
        if (!needed.insert(id).second) return;
        const Node* node = graph_.node(id);
        if (!node) return;  // validation reports the dangling link
        const NodeDecl* decl = registry_.find(node->type);
        for (const Link* link : linksInto_[id]) {
            if (decl && !decl->findInput(link->toInput)) continue;  // validation reports it
            auto source = resolve({link->fromNode, link->fromSlot}, id, link->toInput, 0);
            if (!source) continue;
            const Node* from = graph_.node(source->node);
            if (from && from->muted) {
                report(id,
                       "needs the output of " + graph_.describeNode(from->id) +
                           " for input '" + link->toInput + "', but that node is muted; unmute it or disconnect the input",
                       link->toInput);
                continue;
            }
            links[id][link->toInput] = *source;
            need(source->node);
        }
    }

    // Follows a link out of a bypassed node to the input of the same type that it passes through.
    std::optional<OutputRef> resolve(OutputRef ref, NodeId consumer, const std::string& input, size_t depth) {
        const Node* node = graph_.node(ref.node);
        if (!node || node->muted || !node->bypassed) return ref;
        const NodeDecl* decl = registry_.find(node->type);
        if (!decl || ref.slot < 0 || size_t(ref.slot) >= decl->outputs.size()) return ref;  // validation reports
        if (depth > graph_.nodes().size()) {
            report(consumer, "is fed through a loop of bypassed nodes", input);
            return std::nullopt;
        }
        const OutputDecl& out = decl->outputs[size_t(ref.slot)];
        for (const auto& in : decl->inputs) {
            if (in.type != out.type) continue;
            const Link* link = graph_.linkInto(node->id, in.name);
            if (link) return resolve({link->fromNode, link->fromSlot}, consumer, input, depth + 1);
        }
        report(node->id, "is bypassed, but has no connected " + out.type + " input to pass through to its output '" +
                             out.name + "' (needed by " + graph_.describeNode(consumer) + "); connect one or enable the node");
        return std::nullopt;
    }

    const Graph& graph_;
    const Registry& registry_;
    std::map<NodeId, std::vector<const Link*>> linksInto_;
};

// Kahn's algorithm, lowest id first among ready nodes so the order is stable.
std::vector<NodeId> topologicalOrder(const std::set<NodeId>& nodes,
                                     const std::map<NodeId, std::map<std::string, OutputRef>>& links) {
    std::map<NodeId, int> waiting;
    std::map<NodeId, std::vector<NodeId>> consumers;
    for (NodeId id : nodes) {
        std::set<NodeId> deps;
        if (auto it = links.find(id); it != links.end())
            for (const auto& [input, ref] : it->second) deps.insert(ref.node);
        waiting[id] = int(deps.size());
        for (NodeId d : deps) consumers[d].push_back(id);
    }
    std::set<NodeId> ready;
    for (const auto& [id, n] : waiting)
        if (n == 0) ready.insert(id);
    std::vector<NodeId> order;
    while (!ready.empty()) {
        const NodeId id = *ready.begin();
        ready.erase(ready.begin());
        order.push_back(id);
        for (NodeId c : consumers[id])
            if (--waiting[c] == 0) ready.insert(c);
    }
    return order;
}

}  // namespace

RunPlan planRun(const Graph& graph, const Registry& registry, const Environment* env,
                const std::vector<NodeId>& targets) {
    Planner planner(graph, registry);
    planner.chooseTargets(targets);
    RunPlan plan;
    plan.issues = std::move(planner.issues);
    plan.needed = planner.needed;
    auto invalid = validateNodes(graph, registry, env, planner.needed);
    plan.issues.insert(plan.issues.end(), invalid.begin(), invalid.end());
    if (!plan.issues.empty()) return plan;

    const auto order = topologicalOrder(planner.needed, planner.links);
    if (order.size() != planner.needed.size()) {
        std::string stuck;
        std::set<NodeId> done(order.begin(), order.end());
        for (NodeId id : planner.needed)
            if (!done.count(id)) stuck += (stuck.empty() ? "" : ", ") + graph.describeNode(id);
        plan.issues.push_back({0, {}, "cycle through bypassed nodes among: " + stuck + "; remove one of the links"});
        return plan;
    }
    for (NodeId id : order) {
        PlannedNode p;
        p.node = graph.node(id);
        p.decl = p.node ? registry.find(p.node->type) : nullptr;
        if (!p.decl) continue;  // validation has reported it; kept as a guard
        if (auto it = planner.links.find(id); it != planner.links.end()) p.links = it->second;
        plan.order.push_back(std::move(p));
    }
    return plan;
}

}  // namespace tessera
