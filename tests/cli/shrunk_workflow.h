#pragma once
// Test-only: a published workflow made cheap enough to run on the tiny reference models in CI,
// leaving the graph as published (every node, link and choice) and changing only how big and how long:
// - pixel sizes and positions (widgets width, height, x, y, left, top, right, bottom, feather,
//   feathering) are divided by 8 and rounded to multiples of 8 (a size never below 8, 0 stays 0),
//   then kept within the input's declared range (ConditioningSetArea's sizes start at 64);
// - sampling steps are capped at 2, and KSamplerAdvanced's start_at_step/end_at_step scaled alike
//   (an end at or past the old step count stays), so two-pass workflows keep both passes.
// The product never does this: it is the corpus runs' only change to what the workflow asks for.
#include "core/graph/graph.h"
#include "core/graph/registry.h"

namespace tessera::test {

void shrinkForTestRun(Graph& graph, const Registry& registry);

}  // namespace tessera::test
