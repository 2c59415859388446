#include "app/server/prompt_check.h"

#include "app/server/http_json.h"
#include "core/common/error.h"
#include "core/exec/run_validation.h"
#include "core/io/comfyui_import.h"

#include <regex>
#include <set>

namespace tessera::server {
namespace {

bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

CheckedPrompt rejected(Json body) {
    CheckedPrompt c;
    c.rejection = std::move(body);
    return c;
}

Json errorEntry(const std::string& type, const std::string& message, const std::string& input) {
    Json e;
    e.set("type", type);
    e.set("message", message);
    e.set("details", input.empty() ? message : input + ": " + message);
    Json extra{Json::Object{}};
    if (!input.empty()) extra.set("input_name", input);
    e.set("extra_info", std::move(extra));
    return e;
}

// Import warnings that ComfyUI would also ignore: inputs the node does not have.
bool harmless(const std::string& warning) {
    return contains(warning, "is not a widget of") || contains(warning, "is not an input of");
}

}  // namespace

std::string comfyErrorType(const std::string& m) {
    if (contains(m, "required input") || contains(m, "missing input") || contains(m, "has no value"))
        return "required_input_missing";
    if (contains(m, "but is linked from")) return "return_type_mismatch";
    if (contains(m, "is linked from") || contains(m, "there is no input")) return "bad_linked_input";
    if (contains(m, "below its minimum")) return "value_smaller_than_min";
    if (contains(m, "above its maximum")) return "value_bigger_than_max";
    if (contains(m, "not one of its choices") || contains(m, "not found") || contains(m, "chosen for"))
        return "value_not_in_list";
    if (contains(m, "expects")) return "invalid_input_type";
    return "custom_validation_failed";
}

CheckedPrompt checkPrompt(const Json& prompt, const Registry& registry, const Environment& env,
                          const Json* partialTargets) {
    if (!prompt.isObject())
        return rejected(errorBody("invalid_prompt", "Invalid prompt: \"prompt\" must be an object of nodes"));
    // Unknown node types stop the whole prompt, as in ComfyUI (Tessera would keep placeholders).
    for (const auto& [key, node] : prompt.object()) {
        const Json* ct = node.find("class_type");
        if (!node.isObject() || !ct || !ct->isString()) {
            Json body = errorBody("invalid_prompt", "Cannot execute because a node is missing the class_type property.",
                                  "Node ID '#" + key + "'");
            return rejected(std::move(body));
        }
        if (!registry.find(ct->toString()))
            return rejected(errorBody("invalid_prompt",
                                      "Cannot execute because node " + ct->toString() + " does not exist.",
                                      "Node ID '#" + key + "'"));
    }

    CheckedPrompt c;
    LoadReport report;
    try {
        c.graph = importComfyPrompt(prompt, registry, report, c.keys);
    } catch (const Error& e) {
        return rejected(errorBody("invalid_prompt", std::string("Invalid prompt: ") + e.what()));
    }
    std::map<std::string, NodeId> byKey;
    for (const auto& [id, key] : c.keys) byKey[key] = id;

    std::set<std::string> wanted;
    if (partialTargets && partialTargets->isArray())
        for (const Json& t : partialTargets->array()) wanted.insert(t.isString() ? t.toString() : std::to_string(t.toInt()));
    for (const auto& [key, node] : prompt.object()) {
        const NodeDecl* decl = registry.find(node.find("class_type")->toString());
        if (!decl->isOutput || (!wanted.empty() && !wanted.count(key))) continue;
        c.targets.push_back(byKey[key]);
        c.outputKeys.push(key);
    }
    if (c.targets.empty()) return rejected(errorBody("prompt_no_outputs", "Prompt has no outputs"));

    // Errors by node: the import's (a wrong type for a widget) and validation's.
    std::map<NodeId, Json> errors;
    const std::regex nodeRef(" #([0-9]+)");
    for (const auto& w : report.warnings) {
        if (harmless(w)) continue;
        std::smatch m;
        NodeId node = 0;
        if (std::regex_search(w, m, nodeRef)) node = std::stoll(m[1].str());
        errors[c.keys.count(node) ? node : 0].push(errorEntry("invalid_input_type", w, ""));
    }
    for (const auto& issue : validateRun(c.graph, registry, &env, c.targets))
        errors[c.keys.count(issue.node) ? issue.node : 0].push(errorEntry(comfyErrorType(issue.message), issue.message, issue.input));
    if (errors.empty()) {
        c.ok = true;
        return c;
    }

    Json nodeErrors{Json::Object{}};
    std::string firstMessage;
    for (auto& [id, list] : errors) {
        if (firstMessage.empty() && !list.array().empty()) firstMessage = list.array()[0].find("message")->toString();
        Json entry;
        entry.set("errors", std::move(list));
        entry.set("dependent_outputs", c.outputKeys);
        entry.set("class_type", c.graph.node(id) ? c.graph.node(id)->type : std::string());
        nodeErrors.set(id ? c.keys[id] : std::string("prompt"), std::move(entry));
    }
    Json body = errorBody("prompt_outputs_failed_validation", "Prompt outputs failed validation", firstMessage);
    body.set("node_errors", std::move(nodeErrors));
    return rejected(std::move(body));
}

}  // namespace tessera::server
