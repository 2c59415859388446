#pragma once
// LATENT inputs checked once for every latent node: failures name the node and the input.
#include "core/exec/node_context.h"

#include <ATen/core/Tensor.h>

#include <string>

namespace tessera::nodes {

// The samples on `name` as [B,C,h,w] with every side at least 1.
at::Tensor latentInput(const NodeContext& ctx, const std::string& name);

// Fails unless batches `a` and `b` combine (equal, or one of them 1), naming both inputs.
void checkBatchesCombine(const NodeContext& ctx, int64_t a, const std::string& nameA, int64_t b, const std::string& nameB);

}  // namespace tessera::nodes
