#include "core/graph/validation.h"

#include "core/exec/environment.h"
#include "core/common/closest_names.h"
#include "core/graph/port_types.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>

namespace tessera {
namespace {

bool valueFitsWidget(const Value& v, const std::string& type) {
    if (type == types::Int) return v.isInt() || (v.isFloat() && std::floor(v.toFloat()) == v.toFloat());
    if (type == types::Float) return v.isNumber();
    if (type == types::Boolean) return v.isBool();
    return v.isString();  // STRING, COMBO
}

// "checkpoint 'x' not found" reads better than "checkpoints 'x' not found".
std::string fileKindLabel(const std::string& kind) {
    static const std::map<std::string, std::string> labels = {
        {"checkpoints", "checkpoint"}, {"vae", "VAE"},          {"loras", "LoRA"},
        {"controlnet", "ControlNet model"}, {"embeddings", "embedding"}, {"depth", "depth model"},
        {"vae_approx", "VAE approximation"}, {"upscale_models", "upscale model"}, {"input", "image"},
        {"clip_vision", "CLIP vision model"}, {"gligen", "GLIGEN model"}};
    auto it = labels.find(kind);
    return it == labels.end() ? kind + " file" : it->second;
}

std::string folderFor(const Environment& env, const std::string& kind) {
    if (kind == "input") return env.inputDir.empty() ? "the input folder" : env.inputDir;
    if (env.modelDirs.empty()) return "a models folder's " + kind + "/ sub-folder";
    return (std::filesystem::path(env.modelDirs.front()) / kind).string();
}

class Validator {
public:
    Validator(const Graph& g, const Registry& r, const Environment* env, const std::set<NodeId>& nodes)
        : graph_(g), registry_(r), env_(env), nodes_(nodes) {}

    std::vector<ValidationIssue> run() {
        for (NodeId id : nodes_) {
            const Node* node = graph_.node(id);
            if (node && !node->muted) checkNode(*node);
        }
        findCycles();
        return std::move(issues_);
    }

private:
    void report(NodeId node, const std::string& input, const std::string& message) {
        issues_.push_back({node, input, graph_.describeNode(node) + ": " + message});
    }

    void checkNode(const Node& node) {
        const NodeDecl* decl = registry_.find(node.type);
        if (!decl) {
            report(node.id, {}, node.plugin.empty()
                                    ? "unknown node type '" + node.type +
                                          "' (kept as a placeholder; install the plugin that provides it or remove the node)"
                                    : "node type '" + node.type + "' comes from the plugin '" + node.plugin +
                                          "', which is not installed (kept as a placeholder; put the plugin in a "
                                          "plugins folder or remove the node)");
            return;
        }
        for (const auto& [lid, link] : graph_.links())
            if (link.toNode == node.id) checkLink(node, *decl, link);
        if (node.bypassed) return;  // its inputs only pass through; it does not run
        for (const auto& in : decl->inputs) checkInput(node, in);
    }

    void checkLink(const Node& node, const NodeDecl& decl, const Link& link) {
        const InputDecl* in = decl.findInput(link.toInput);
        const Node* from = graph_.node(link.fromNode);
        if (!in) {
            report(node.id, link.toInput,
                   "there is no input '" + link.toInput + "', but a link from " + graph_.describeNode(link.fromNode) +
                       " goes into it; remove that link");
            return;
        }
        if (!from) {
            report(node.id, link.toInput,
                   "input '" + link.toInput + "' is linked from node #" + std::to_string(link.fromNode) +
                       ", which does not exist; reconnect the input");
            return;
        }
        const NodeDecl* fromDecl = registry_.find(from->type);
        if (!fromDecl) return;  // reported as an unknown type when that node is validated
        if (link.fromSlot < 0 || size_t(link.fromSlot) >= fromDecl->outputs.size()) {
            report(node.id, link.toInput,
                   "input '" + link.toInput + "' is linked from output " + std::to_string(link.fromSlot) + " of " +
                       graph_.describeNode(from->id) + ", which has only " +
                       std::to_string(fromDecl->outputs.size()) + " output(s); reconnect the input");
            return;
        }
        const OutputDecl& out = fromDecl->outputs[size_t(link.fromSlot)];
        if (!types::compatible(out.type, in->type))
            report(node.id, link.toInput,
                   "input '" + link.toInput + "' expects " + in->type + " but is linked from " +
                       graph_.describeNode(from->id) + "'s output '" + out.name + "' of type " + out.type);
    }

    void checkInput(const Node& node, const InputDecl& in) {
        if (graph_.linkInto(node.id, in.name)) return;  // a link wins over the widget
        if (in.isWidget() && node.widgetInputs.count(in.name)) {
            if (!in.optional)
                report(node.id, in.name,
                       "missing input '" + in.name + "' (" + in.type +
                           "): the widget was turned into an input but nothing is connected; connect it or turn it "
                           "back into a widget");
            return;
        }
        if (!in.isWidget()) {
            if (!in.optional) report(node.id, in.name, "required input '" + in.name + "' (" + in.type + ") is not connected");
            return;
        }
        auto it = node.widgets.find(in.name);
        const Value& v = it != node.widgets.end() && !it->second.isNull() ? it->second : in.defaultValue;
        if (v.isNull()) {
            if (!in.optional) report(node.id, in.name, "input '" + in.name + "' has no value; set it or connect it");
            return;
        }
        if (!valueFitsWidget(v, in.type)) {
            report(node.id, in.name,
                   "input '" + in.name + "' expects " + in.type + ", but its value is " + v.describe() + " (" +
                       v.kind() + ")");
            return;
        }
        if (v.isNumber()) checkRange(node, in, v);
        if (in.type == types::Combo) checkChoice(node, in, v.toString());
    }

    void checkRange(const Node& node, const InputDecl& in, const Value& v) {
        const double x = v.toFloat();
        if (in.min && x < *in.min)
            report(node.id, in.name,
                   "input '" + in.name + "' is " + v.describe() + ", below its minimum " + Value(*in.min).describe());
        else if (in.max && x > *in.max)
            report(node.id, in.name,
                   "input '" + in.name + "' is " + v.describe() + ", above its maximum " + Value(*in.max).describe());
    }

    void checkChoice(const Node& node, const InputDecl& in, const std::string& choice) {
        if (!in.choices.empty()) {
            if (std::find(in.choices.begin(), in.choices.end(), choice) != in.choices.end()) return;
            std::string list;
            for (const auto& c : in.choices) list += (list.empty() ? "" : ", ") + c;
            const std::string hint = didYouMean(choice, in.choices);
            report(node.id, in.name,
                   "input '" + in.name + "' is \"" + choice + "\", which is not one of its choices" +
                       (hint.empty() ? "" : " (" + hint + ")") + ": " + list);
            return;
        }
        if (in.choicesFrom.empty() || !env_) return;
        if (!env_->findModel(in.choicesFrom, choice).empty()) return;
        const std::string label = fileKindLabel(in.choicesFrom);
        const std::string where = folderFor(*env_, in.choicesFrom);
        if (choice.empty())
            report(node.id, in.name, "no " + label + " chosen for '" + in.name + "'; put one in " + where);
        else
            report(node.id, in.name, label + " '" + choice + "' not found; put it in " + where);
    }

    // Depth-first search over links among the validated nodes; each back edge closes a cycle.
    void findCycles() {
        std::map<NodeId, std::vector<NodeId>> next;
        for (const auto& [lid, link] : graph_.links())
            if (nodes_.count(link.fromNode) && nodes_.count(link.toNode) && graph_.node(link.fromNode) &&
                graph_.node(link.toNode))
                next[link.fromNode].push_back(link.toNode);
        for (auto& [from, to] : next) {
            std::sort(to.begin(), to.end());
            to.erase(std::unique(to.begin(), to.end()), to.end());
        }
        enum class Mark { None, OnPath, Done };
        std::map<NodeId, Mark> mark;
        std::vector<NodeId> path;
        std::function<void(NodeId)> visit = [&](NodeId id) {
            mark[id] = Mark::OnPath;
            path.push_back(id);
            for (NodeId n : next[id]) {
                if (mark[n] == Mark::OnPath) reportCycle(std::find(path.begin(), path.end(), n), path.end());
                else if (mark[n] == Mark::None) visit(n);
            }
            path.pop_back();
            mark[id] = Mark::Done;
        };
        for (NodeId id : nodes_)
            if (graph_.node(id) && mark[id] == Mark::None) visit(id);
    }

    void reportCycle(std::vector<NodeId>::const_iterator begin, std::vector<NodeId>::const_iterator end) {
        std::string chain;
        for (auto it = begin; it != end; ++it) chain += graph_.describeNode(*it) + " -> ";
        chain += graph_.describeNode(*begin);
        issues_.push_back({*begin, {}, "cycle: " + chain + "; a node cannot depend on its own output, remove one of these links"});
    }

    const Graph& graph_;
    const Registry& registry_;
    const Environment* env_;
    const std::set<NodeId>& nodes_;
    std::vector<ValidationIssue> issues_;
};

}  // namespace

std::vector<ValidationIssue> validateNodes(const Graph& graph, const Registry& registry, const Environment* env,
                                           const std::set<NodeId>& nodes) {
    return Validator(graph, registry, env, nodes).run();
}

std::vector<ValidationIssue> validateGraph(const Graph& graph, const Registry& registry, const Environment* env) {
    std::set<NodeId> all;
    for (const auto& [id, node] : graph.nodes())
        if (!node.muted) all.insert(id);
    return validateNodes(graph, registry, env, all);
}

std::string formatIssues(const Graph& graph, const std::vector<ValidationIssue>& issues) {
    std::string out;
    for (const auto& issue : issues) {
        if (!out.empty()) out += '\n';
        // Messages name their node already; an issue built elsewhere might not.
        const std::string who = graph.describeNode(issue.node);
        out += issue.message.rfind(who, 0) == 0 || issue.node == 0 ? issue.message : who + ": " + issue.message;
    }
    return out;
}

}  // namespace tessera
