#pragma once
// The values of one sweep axis as users type them, parsed by the widget's declared type:
//   a:b:step     a range for INT and FLOAT widgets, from a to b inclusive when b is on the grid
//                (0.3:0.9:0.15 gives 0.3 0.45 0.6 0.75 0.9, each the double the text "0.45" reads
//                as, so a cell equals a run with --set ...=0.45); a:b steps by 1 for INT
//   4,7,10       a list (numbers, sampler names, seeds, true/false)
//   a cat|a dog  a list for text widgets (prompts), which split on '|' only, since prompts hold commas
#include "core/graph/node_decl.h"
#include "core/graph/value.h"

#include <string>
#include <vector>

namespace tessera {

inline constexpr size_t kMaxSweepValues = 1000;

struct SweepValues {
    std::vector<Value> values;
    std::vector<std::string> labels;  // each value as written (ranges: with the decimals of their text)
};

// Throws tessera::Error starting with `where` for empty items, values that don't parse as the
// widget's type, ranges on non-numeric widgets, a zero step or one pointing away from b, and
// more than kMaxSweepValues values.
SweepValues parseSweepValues(const InputDecl& input, const std::string& text, const std::string& where);

}  // namespace tessera
