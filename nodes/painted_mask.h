#pragma once
// The PaintedMask node: the mask painted in Tessera's mask editor, read from its PNG in the input
// folder (so .tessera bundles carry it and editing it re-runs only what is downstream).
#include "core/graph/node_decl.h"

namespace tessera::nodes {

NodeDecl paintedMaskDecl();

}  // namespace tessera::nodes
