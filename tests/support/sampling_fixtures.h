#pragma once
// The SD1.x noise schedule (discrete, eps prediction), built once for the sampler tests.
#include "core/engine/sampling/model_sampling.h"

namespace tessera::test {

inline const engine::ModelSampling& eps() {
    static const engine::ModelSampling ms = engine::ModelSampling::discrete(engine::Prediction::Eps);
    return ms;
}

}  // namespace tessera::test
