#pragma once
// LATENT inputs checked once for every latent node: failures name the node and the input.
#include "core/exec/node_context.h"
#include "nodes/values.h"

#include <ATen/core/Tensor.h>

#include <string>

namespace tessera::nodes {

// Largest side, in pixels, of a latent the latent nodes make or resize to.
inline constexpr int64_t kMaxLatentResolution = 16384;

// The samples on `name` as [B,C,h,w] with every side at least 1.
at::Tensor latentInput(const NodeContext& ctx, const std::string& name);

// ComfyUI's reshape_latent_to without its batch repeat: the latent on `name` resized (bilinear, centre crop) to
// the cells of `target`, the latent on `targetName`, where its size differs, in target's dtype. Fails naming both
// inputs when their channels differ.
at::Tensor latentResizedTo(const NodeContext& ctx, const std::string& name, const at::Tensor& target,
                           const std::string& targetName);

// Fails unless batches `a` and `b` combine (equal, or one of them 1), naming both inputs.
void checkBatchesCombine(const NodeContext& ctx, int64_t a, const std::string& nameA, int64_t b, const std::string& nameB);

// A LATENT holding `samples` that keeps `in`'s noise mask and, where the batch is the same, its batch indices
// (flips, crops and composites of it; ComfyUI copies the rest of the latent dict).
std::shared_ptr<LatentValue> latentLike(const LatentValue& in, at::Tensor samples);

}  // namespace tessera::nodes
