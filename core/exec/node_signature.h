#pragma once
// The cache key of a node's outputs: its type, the values of its inputs (widget values, or the
// signature and slot of the output feeding each link) and the content of the files it reads.
// Equal signatures mean equal outputs, so a node whose signature is cached need not run.
#include "core/exec/environment.h"
#include "core/exec/file_hash_cache.h"
#include "core/exec/run_plan.h"

#include <cstdint>
#include <map>
#include <vector>

namespace tessera {

// The file an isFile input names: models-folder kind from choicesFrom, else the input folder.
// Empty when absent.
std::string resolveInputFile(const InputDecl& input, const std::string& name, const Environment& env);

// `signatures` and `outputs` hold what the nodes feeding `node` produced in this run.
// Throws tessera::Error when a file the node reads cannot be hashed.
uint64_t nodeSignature(const PlannedNode& node, const std::map<std::string, Value>& inputs,
                       const std::map<NodeId, uint64_t>& signatures, const Environment& env, FileHashCache& files);

}  // namespace tessera
