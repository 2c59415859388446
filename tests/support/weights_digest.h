#pragma once
// Digests of whole weight sets, as tests/fixtures/merges/make_merge_reference.py computes them:
// SHA-256 over each key's name and its little-endian float32 (floating) or int64 bytes, in key order.
#include "core/engine/files/weights.h"

#include <string>

namespace tessera::test {

std::string weightsDigest(const engine::Weights& w);
// The "sha256" of one case of tests/fixtures/merges/merge_reference.json ("" when absent).
std::string mergeReferenceDigest(const std::string& mergeCase);

}  // namespace tessera::test
