#include "core/engine/compute/float32_math.h"

#include <ATen/ATen.h>

namespace tessera::engine::f32 {

float log(float x) { return at::scalar_tensor(x, at::kFloat).log().item<float>(); }
float exp(float x) { return at::scalar_tensor(x, at::kFloat).exp().item<float>(); }
float sqrt(float x) { return at::scalar_tensor(x, at::kFloat).sqrt().item<float>(); }

}  // namespace tessera::engine::f32
