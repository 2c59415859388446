#pragma once
// The parameter names and shapes an ldm UNet with a given configuration has (as real checkpoints
// store them, without the "model.diffusion_model." prefix). Used to build full-size networks
// in memory (benchmarks) and to check shape inference against real model layouts.
#include "core/engine/networks/unet_config.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tessera::engine {

using ParameterShapes = std::map<std::string, std::vector<int64_t>>;

ParameterShapes unetParameterShapes(const UNetConfig& config);

}  // namespace tessera::engine
