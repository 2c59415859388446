#pragma once
// The flip and rotation choices ComfyUI's LatentFlip / ImageFlip and LatentRotate / ImageRotate share, read as
// ComfyUI reads them: by how the choice starts.
#include <cstdint>
#include <string>
#include <vector>

namespace tessera::nodes {

inline const std::vector<std::string> kFlipMethods = {"x-axis: vertically", "y-axis: horizontally"};
inline const std::vector<std::string> kRotations = {"none", "90 degrees", "180 degrees", "270 degrees"};

// "x-axis: ..." turns the rows upside down, "y-axis: ..." mirrors the columns.
inline bool flipsRows(const std::string& method) { return method.rfind("x", 0) == 0; }
inline bool flipsColumns(const std::string& method) { return method.rfind("y", 0) == 0; }

// Clockwise quarter turns of a rotation choice (0 for "none").
inline int64_t quarterTurns(const std::string& rotation) {
    if (rotation.rfind("90", 0) == 0) return 1;
    if (rotation.rfind("180", 0) == 0) return 2;
    if (rotation.rfind("270", 0) == 0) return 3;
    return 0;
}

}  // namespace tessera::nodes
