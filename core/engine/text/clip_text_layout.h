#pragma once
// The parameter names and shapes of a CLIP text model in Hugging Face naming (SD1.x checkpoints store
// them below "cond_stage_model.transformer.text_model."), for building full-size models in memory
// (benchmarks) and checking ClipTextConfig::infer against real layouts. position_ids (int64 [1,
// positions]) is not listed: it is optional and not a float parameter.
#include "core/engine/text/clip_text_model.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tessera::engine {

std::map<std::string, std::vector<int64_t>> clipTextParameterShapes(const ClipTextConfig& config);

// CLIP ViT-L/14's text model as in SD1.x: width 768, 12 layers, 12 heads, 49408 tokens, 77 positions.
ClipTextConfig clipLConfig();

}  // namespace tessera::engine
