#pragma once
// Parameterised layers as plain structs of tensors, loaded from a Weights view. Loading fetches
// every tensor up front, so a missing key fails at construction with the full key name.
#include <ATen/core/Tensor.h>

#include <optional>

namespace tessera::engine {

class Weights;

struct Conv2d {
    at::Tensor weight, bias;  // bias may be undefined
    int64_t stride = 1;
    int64_t padding = 0;

    // `w` is the module ("input_blocks.0.0"): reads weight and (optional) bias. Padding is
    // kernel/2 ("same" for odd kernels), as every conv in the SD networks.
    static Conv2d load(const Weights& w, int64_t stride = 1);
    int64_t outChannels() const { return weight.size(0); }
    int64_t inChannels() const { return weight.size(1); }
    at::Tensor operator()(const at::Tensor& x) const;
};

struct Linear {
    at::Tensor weight, bias;  // bias may be undefined (attention to_q/k/v)

    static Linear load(const Weights& w);
    at::Tensor operator()(const at::Tensor& x) const;
};

// Normalisation runs in float32 for reduced-precision inputs (as ldm's GroupNorm32) and
// returns the input's dtype.
struct GroupNorm {
    at::Tensor weight, bias;
    int64_t groups = 32;
    double eps = 1e-5;

    static GroupNorm load(const Weights& w, double eps, int64_t groups = 32);
    at::Tensor operator()(const at::Tensor& x) const;
    // GroupNorm then SiLU in one pass; `offset` [N, C] is added to x first (undefined: none).
    at::Tensor withSilu(const at::Tensor& x, const at::Tensor& offset = {}) const;
};

struct LayerNorm {
    at::Tensor weight, bias;
    double eps = 1e-5;

    static LayerNorm load(const Weights& w, double eps = 1e-5);
    at::Tensor operator()(const at::Tensor& x) const;
};

}  // namespace tessera::engine
