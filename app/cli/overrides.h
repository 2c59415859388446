#pragma once
// `--set NODE.INPUT=VALUE` overrides for `tessera run`. NODE is a node id or a node title
// (or type, when only one node has it); VALUE is parsed by the input's declared type.
#include "core/graph/graph.h"
#include "core/graph/registry.h"

#include <string>
#include <vector>

namespace tessera::cli {

struct Override {
    std::string node;   // as written: "3", "KSampler" or "My sampler"
    std::string input;
    std::string value;  // unparsed
};

// Throws tessera::Error for text not of the form NODE.INPUT=VALUE.
Override parseOverride(const std::string& text);

// Applies the override to the graph's widget value; throws tessera::Error naming the node
// and input when the node is unknown or ambiguous, the input is not a widget, or the value
// doesn't parse as the input's type.
void applyOverride(Graph& graph, const Registry& registry, const Override& o);

}  // namespace tessera::cli
