#pragma once
// A sweep: one graph run over a grid of values for one or two widgets (strength x CFG, sampler
// x steps, seeds, prompt variants). The first axis runs across the columns (X), the second down
// the rows (Y); one axis gives a single row. Each cell is the graph with those widget values set.
#include "core/graph/graph.h"
#include "core/graph/registry.h"
#include "core/graph/validation.h"
#include "core/sweep/sweep_values.h"

#include <string>
#include <vector>

namespace tessera {

struct Environment;

inline constexpr size_t kMaxSweepCells = 10000;

struct SweepAxis {
    std::string text;  // as written: "KSampler.denoise=0.3:0.9:0.15"
    std::string name;  // "KSampler.denoise": the label on the contact sheet
    NodeId node = 0;
    std::string input;
    SweepValues values;
    size_t size() const { return values.values.size(); }
};

struct SweepCell {
    size_t column = 0, row = 0;
    size_t index = 0;  // row-major: the order cells run in
};

struct Sweep {
    std::vector<SweepAxis> axes;  // one or two
    size_t columns() const { return axes.empty() ? 0 : axes[0].size(); }
    size_t rows() const { return axes.size() < 2 ? 1 : axes[1].size(); }
    size_t cellCount() const { return columns() * rows(); }
    std::vector<SweepCell> cells() const;
    // "KSampler.denoise=0.45, KSampler.cfg=7"
    std::string describeCell(const SweepCell& cell) const;
};

// Parses "NODE.INPUT=VALUES" (NODE: id, title or type; see widget_reference.h) and resolves it
// against the graph. Throws tessera::Error starting with "--sweep" for text of another form, an
// unknown or ambiguous node (naming the candidates), an input that is not a widget or is fed by
// a link, and bad values.
SweepAxis resolveSweepAxis(const Graph& graph, const Registry& registry, const std::string& text);
// One or two axes on different widgets, at most kMaxSweepCells cells; throws tessera::Error.
Sweep resolveSweep(const Graph& graph, const Registry& registry, const std::vector<std::string>& axisTexts);

// Every axis value checked on its own against the widget's declaration (limits, choices, model
// files in `env`), so a bad value stops the sweep before its first cell instead of in the middle.
// Issues name the node, then the sweep value: "Knobs #2: input 'cfg' is 40, above its
// maximum 30 (sweep value Knobs.cfg=40)".
std::vector<ValidationIssue> checkSweepValues(const Graph& graph, const Registry& registry, const Environment* env,
                                              const Sweep& sweep);

// `base` with the cell's widget values set and no saved sweep: what the cell runs, and the graph
// its images embed.
Graph cellGraph(const Graph& base, const Sweep& sweep, const SweepCell& cell);
// The cell's values for file names: "denoise-0.45_cfg-7" (input names; values with characters
// unsafe in file names replaced by '_', long text shortened).
std::string cellFileTag(const Sweep& sweep, const SweepCell& cell);

// The sweep saved in a graph (graph.json / .tessera property "tessera.sweep": a JSON array of
// the axis texts). ComfyUI exports leave it out: ComfyUI has no sweeps.
std::vector<std::string> savedSweep(const Graph& graph);
void saveSweep(Graph& graph, const std::vector<std::string>& axisTexts);  // empty: removes it

}  // namespace tessera
