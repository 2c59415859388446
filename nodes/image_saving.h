#pragma once
// Writing IMAGE batches as numbered PNGs the way ComfyUI's SaveImage names them
// (<prefix>_00001_.png, numbered after the highest existing number), never overwriting a file.
#include "core/exec/node_context.h"

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

namespace tessera::nodes {

// Saves every image of `images` [B,H,W,3] under `folder`, the prefix's sub-folders included
// ("portraits/Tessera" -> folder/portraits/Tessera_00001_.png), after expandPrefixVariables. A prefix that is empty, absolute
// or climbs out with ".." fails the node. Embeds the run's graph ("tessera") and ComfyUI prompt
// ("prompt") as PNG text when the environment has them, and reports each file through
// ctx.outputFile. Returns the paths written.
std::vector<std::string> saveImageBatch(const NodeContext& ctx, const at::Tensor& images, const std::string& folder,
                                        const std::string& prefix, int compression);

// ComfyUI's prefix variables: %width% and %height% (of the first image), %year%, %month%,
// %day%, %hour%, %minute%, %second% (local time, two digits except the year).
std::string expandPrefixVariables(const std::string& prefix, int64_t width, int64_t height);

// 1 + the highest N among files named <base>_N..., 1 when there are none (ComfyUI's counter).
int nextImageCounter(const std::string& folder, const std::string& base);

}  // namespace tessera::nodes
