#pragma once
// The PaintedSketch node: a sketch drawn in Tessera's sketch editor, as an IMAGE for a ControlNet
// (scribble, lineart) or for image-to-image. The editor paints the strokes' coverage with the mask
// brush engine and saves it as a greyscale PNG in the input folder (white = stroke), like
// PaintedMask; this node colours the strokes and lays them on a background:
//   out = background * (1 - coverage) + line_color * coverage
// A colour sketch is an RGBA PNG instead (each stroke's colour, alpha = coverage): the same
// formula with the file's colour as ink, line_color unused.
// background "black" with white lines is what scribble ControlNets expect; "image" draws over the
// connected image (colour strokes for image-to-image).
#include "core/graph/node_decl.h"

namespace tessera::nodes {

NodeDecl paintedSketchDecl();

}  // namespace tessera::nodes
