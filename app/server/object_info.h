#pragma once
// /object_info in ComfyUI's shape, generated from Tessera's node declarations: input order,
// COMBO choices (model files and input images listed now), defaults, ranges, output names.
#include "core/exec/environment.h"
#include "core/graph/registry.h"
#include "core/io/json.h"

namespace tessera::server {

Json objectInfo(const NodeDecl& decl, const Environment& env);
// {type: objectInfo(decl)} for every registered node type.
Json allObjectInfo(const Registry& registry, const Environment& env);
// Image files directly in the input folder and its sub-folders ("sub/name.png"), sorted.
std::vector<std::string> listInputImages(const std::string& inputDir);

}  // namespace tessera::server
