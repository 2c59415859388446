#include "tests/cli/shrunk_workflow.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace tessera::test {
namespace {

constexpr int64_t kShrinkFactor = 8;
constexpr int64_t kMaxTestSteps = 2;

int64_t shrunkPixels(int64_t pixels, bool isSize) {
    if (pixels == 0) return 0;
    const int64_t rounded = int64_t(std::llround(double(pixels) / double(kShrinkFactor * 8))) * 8;
    return isSize ? std::max<int64_t>(rounded, 8) : rounded;
}

void shrinkSteps(Node& node) {
    auto steps = node.widgets.find("steps");
    if (steps == node.widgets.end() || !steps->second.isInt()) return;
    const int64_t before = steps->second.toInt();
    const int64_t after = std::min(before, kMaxTestSteps);
    steps->second = Value(after);
    for (const char* name : {"start_at_step", "end_at_step"}) {
        auto it = node.widgets.find(name);
        if (it == node.widgets.end() || !it->second.isInt() || it->second.toInt() >= before || before == 0) continue;
        it->second = Value(int64_t(std::llround(double(it->second.toInt()) * double(after) / double(before))));
    }
}

int64_t withinRange(int64_t value, const NodeDecl* decl, const std::string& input) {
    const InputDecl* in = decl ? decl->findInput(input) : nullptr;
    if (in && in->min && double(value) < *in->min) return int64_t(std::ceil(*in->min));
    if (in && in->max && double(value) > *in->max) return int64_t(std::floor(*in->max));
    return value;
}

}  // namespace

void shrinkForTestRun(Graph& graph, const Registry& registry) {
    static const std::set<std::string> sizes = {"width", "height"};
    static const std::set<std::string> positions = {"x", "y", "left", "top", "right", "bottom", "feather", "feathering"};
    for (auto& [id, node] : graph.nodes()) {
        const NodeDecl* decl = registry.find(node.type);
        for (auto& [name, value] : node.widgets) {
            if (!value.isInt()) continue;
            if (sizes.count(name)) value = Value(withinRange(shrunkPixels(value.toInt(), true), decl, name));
            else if (positions.count(name)) value = Value(withinRange(shrunkPixels(value.toInt(), false), decl, name));
        }
        shrinkSteps(node);
    }
}

}  // namespace tessera::test
