#include "core/sweep/sweep.h"

#include "core/common/error.h"
#include "core/graph/widget_reference.h"
#include "core/io/json.h"

#include <cctype>

namespace tessera {
namespace {

constexpr const char* kSweepProperty = "tessera.sweep";
constexpr size_t kMaxTagValueLength = 24;

std::string fileSafe(const std::string& text) {
    std::string out;
    for (unsigned char c : text) {
        if (out.size() >= kMaxTagValueLength) break;
        const bool safe = std::isalnum(c) || c == '.' || c == '-' || c == '+' || c >= 0x80;
        out += safe ? char(c) : '_';
    }
    return out;
}

}  // namespace

std::vector<SweepCell> Sweep::cells() const {
    std::vector<SweepCell> out;
    for (size_t r = 0; r < rows(); ++r)
        for (size_t c = 0; c < columns(); ++c) out.push_back(SweepCell{c, r, out.size()});
    return out;
}

std::string Sweep::describeCell(const SweepCell& cell) const {
    std::string out;
    for (size_t a = 0; a < axes.size(); ++a) {
        const size_t i = a == 0 ? cell.column : cell.row;
        out += (a ? ", " : "") + axes[a].name + "=" + axes[a].values.labels[i];
    }
    return out;
}

SweepAxis resolveSweepAxis(const Graph& graph, const Registry& registry, const std::string& text) {
    const auto eq = text.find('=');
    const auto dot = text.substr(0, eq).rfind('.');
    if (eq == std::string::npos || dot == std::string::npos || dot == 0 || dot + 1 == eq)
        throw Error("--sweep expects NODE.INPUT=VALUES (for example --sweep KSampler.cfg=4,7,10 or "
                    "--sweep KSampler.denoise=0.3:0.9:0.15), got '" + text + "'");
    SweepAxis axis;
    axis.text = text;
    axis.name = text.substr(0, eq);
    axis.input = text.substr(dot + 1, eq - dot - 1);
    const WidgetRef w = resolveWidget(graph, registry, text.substr(0, dot), axis.input, "--sweep");
    axis.node = w.node;
    const std::string where = "--sweep " + graph.describeNode(w.node) + "." + axis.input;
    if (graph.linkInto(w.node, axis.input))
        throw Error(where + ": the input is fed by a link, so its widget value is not used; sweep the node that feeds it");
    axis.values = parseSweepValues(*w.input, text.substr(eq + 1), where);
    return axis;
}

Sweep resolveSweep(const Graph& graph, const Registry& registry, const std::vector<std::string>& axisTexts) {
    if (axisTexts.empty() || axisTexts.size() > 2)
        throw Error("a sweep has one or two axes (--sweep given " + std::to_string(axisTexts.size()) + " times)");
    Sweep sweep;
    for (const auto& text : axisTexts) sweep.axes.push_back(resolveSweepAxis(graph, registry, text));
    if (sweep.axes.size() == 2 && sweep.axes[0].node == sweep.axes[1].node && sweep.axes[0].input == sweep.axes[1].input)
        throw Error("--sweep: both axes change " + graph.describeNode(sweep.axes[0].node) + "." + sweep.axes[0].input +
                    "; sweep two different widgets");
    if (sweep.cellCount() > kMaxSweepCells)
        throw Error("--sweep: " + std::to_string(sweep.columns()) + " x " + std::to_string(sweep.rows()) +
                    " cells; a sweep runs at most " + std::to_string(kMaxSweepCells));
    return sweep;
}

std::vector<ValidationIssue> checkSweepValues(const Graph& graph, const Registry& registry, const Environment* env,
                                              const Sweep& sweep) {
    std::vector<ValidationIssue> issues;
    Graph probe = graph;
    for (const auto& axis : sweep.axes) {
        Value& widget = probe.node(axis.node)->widgets[axis.input];
        const Value original = widget;
        for (size_t i = 0; i < axis.size(); ++i) {
            widget = axis.values.values[i];
            for (auto& issue : validateNodes(probe, registry, env, {axis.node})) {
                if (issue.input != axis.input) continue;
                issue.message += " (sweep value " + axis.name + "=" + axis.values.labels[i] + ")";
                issues.push_back(std::move(issue));
            }
        }
        widget = original;
    }
    return issues;
}

Graph cellGraph(const Graph& base, const Sweep& sweep, const SweepCell& cell) {
    Graph g = base;
    g.properties().erase(kSweepProperty);
    for (size_t a = 0; a < sweep.axes.size(); ++a) {
        const SweepAxis& axis = sweep.axes[a];
        g.node(axis.node)->widgets[axis.input] = axis.values.values[a == 0 ? cell.column : cell.row];
    }
    return g;
}

std::string cellFileTag(const Sweep& sweep, const SweepCell& cell) {
    std::string tag;
    for (size_t a = 0; a < sweep.axes.size(); ++a) {
        const SweepAxis& axis = sweep.axes[a];
        tag += (a ? "_" : "") + fileSafe(axis.input) + "-" + fileSafe(axis.values.labels[a == 0 ? cell.column : cell.row]);
    }
    return tag;
}

std::vector<std::string> savedSweep(const Graph& graph) {
    const auto it = graph.properties().find(kSweepProperty);
    if (it == graph.properties().end()) return {};
    const Json list = parseJson(it->second, "the graph's saved sweep");
    std::vector<std::string> axes;
    for (const auto& axis : list.array())
        if (axis.isString()) axes.push_back(axis.toString());
    return axes;
}

void saveSweep(Graph& graph, const std::vector<std::string>& axisTexts) {
    if (axisTexts.empty()) {
        graph.properties().erase(kSweepProperty);
        return;
    }
    Json list;
    for (const auto& text : axisTexts) list.push(Json(text));
    graph.properties()[kSweepProperty] = writeJson(list);
}

}  // namespace tessera
