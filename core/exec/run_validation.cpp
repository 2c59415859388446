#include "core/exec/run_validation.h"

#include "core/exec/run_plan.h"

namespace tessera {

std::vector<ValidationIssue> validateRun(const Graph& graph, const Registry& registry, const Environment* env,
                                         const std::vector<NodeId>& targets) {
    RunPlan plan = planRun(graph, registry, env, targets);
    std::set<NodeId> unknownOutsideThePlan;
    for (const auto& [id, node] : graph.nodes())
        if (!node.muted && !registry.find(node.type) && !plan.needed.count(id)) unknownOutsideThePlan.insert(id);
    if (unknownOutsideThePlan.empty()) return std::move(plan.issues);
    // Validating one unknown node reports exactly its unknown type.
    std::vector<ValidationIssue> issues = validateNodes(graph, registry, env, unknownOutsideThePlan);
    issues.insert(issues.end(), plan.issues.begin(), plan.issues.end());
    return issues;
}

}  // namespace tessera
