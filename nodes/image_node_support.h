#pragma once
// Shared by the image, mask, preprocessor and engine nodes: input checks whose failures name the node
// (through NodeContext::fail) and say what the node needs, and small constructors.
#include "core/exec/node_context.h"
#include "core/graph/node_decl.h"
#include "nodes/decl_helpers.h"
#include "nodes/image_convert.h"

#include <ATen/core/Tensor.h>

#include <string>

namespace tessera::nodes {

constexpr int64_t kMaxResolution = 8192;  // ComfyUI's MAX_RESOLUTION

// The IMAGE on `input` as [B,H,W,3] float32 with B, H, W >= 1 (extra channels such as alpha dropped).
at::Tensor imageInput(const NodeContext& ctx, const std::string& input);
// The same with its alpha channel where it has one (JoinImageWithAlpha's RGBA): [B,H,W,3 or 4].
at::Tensor imageWithAlphaInput(const NodeContext& ctx, const std::string& input);
// The MASK on `input` as [B,H,W] float32 (a single [H,W] mask gets a batch of one).
at::Tensor maskInput(const NodeContext& ctx, const std::string& input);

// Decodes the image file named by input `input` in the input folder; failures name the file.
DecodedImage loadInputImage(const NodeContext& ctx, const std::string& input);

Value imageValue(at::Tensor pixels);
Value maskValue(at::Tensor mask);

// Python's round(): halves go to the even neighbour.
int64_t roundHalfEven(double x);

}  // namespace tessera::nodes
