#include "core/engine/compute/weight_storage.h"

#include "core/engine/compute/fused_ops.h"

#include <ATen/ATen.h>

namespace tessera::engine {

bool isStoredHalf(const at::Tensor& weight) {
    return weight.defined() && weight.device().is_cpu() && weight.scalar_type() == at::kHalf;
}

at::ScalarType computeTypeOf(const at::Tensor& weight) {
    return isStoredHalf(weight) ? at::kFloat : weight.scalar_type();
}

at::Tensor widenForCompute(const at::Tensor& weight) {
    if (!isStoredHalf(weight)) return weight;
    if (!weight.is_non_overlapping_and_dense()) return weight.to(at::kFloat);
    // Same strides as the stored tensor (a channels-last kernel stays channels-last).
    at::Tensor wide = at::empty_strided(weight.sizes(), weight.strides(), weight.options().dtype(at::kFloat));
    // convertInto walks both as flat arrays: the same strides make the flat orders agree.
    at::Tensor flatIn = weight.as_strided({weight.numel()}, {1});
    at::Tensor flatOut = wide.as_strided({wide.numel()}, {1});
    fused::convertInto(flatIn, flatOut);
    return wide;
}

}  // namespace tessera::engine
