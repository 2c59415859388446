#pragma once
// On the CPU float16 is a storage type only: libtorch 1.13 has no float16 CPU kernels and Tessera
// never computes in it there. So a float32 network loaded from a float16 file may keep its matrices
// and kernels as the file stores them (half the memory; float16 -> float32 is exact) and widen each
// one when a layer uses it. These helpers are the one place that rule is written down.
#include <ATen/core/Tensor.h>

namespace tessera::engine {

// A CPU float16 tensor: float32 weights kept in 16 bits.
bool isStoredHalf(const at::Tensor& weight);
// The type a weight computes in: float32 for a stored-half weight, else its own type.
at::ScalarType computeTypeOf(const at::Tensor& weight);
// A float32 copy of a stored-half weight (vectorised, on all threads); any other weight as it is.
at::Tensor widenForCompute(const at::Tensor& weight);

}  // namespace tessera::engine
