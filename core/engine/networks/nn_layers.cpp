#include "core/engine/networks/nn_layers.h"

#include "core/common/error.h"
#include "core/engine/compute/fused_ops.h"
#include "core/engine/compute/weight_storage.h"
#include "core/engine/compute/winograd_conv.h"
#include "core/engine/files/weights.h"

#include <ATen/ATen.h>

namespace tessera::engine {

namespace {

at::Tensor optionalBias(const Weights& w) {
    auto b = w.find("bias");
    return b ? *b : at::Tensor();
}

}  // namespace

Conv2d Conv2d::load(const Weights& w, int64_t stride) {
    Conv2d c;
    c.weight = w("weight");
    if (c.weight.dim() != 4)
        throw Error("weight '" + w.fullName("weight") + "' should be a 4-D convolution kernel, it has " +
                    std::to_string(c.weight.dim()) + " dimensions");
    c.bias = optionalBias(w);
    c.stride = stride;
    c.padding = c.weight.size(2) / 2;
    return c;
}

at::Tensor Conv2d::operator()(const at::Tensor& x) const {
    return convolve(x, weight, bias, stride, padding);
}

Linear Linear::load(const Weights& w) {
    Linear l;
    l.weight = w("weight");
    if (l.weight.dim() != 2)
        throw Error("weight '" + w.fullName("weight") + "' should be a 2-D linear weight, it has " +
                    std::to_string(l.weight.dim()) + " dimensions");
    l.bias = optionalBias(w);
    return l;
}

at::Tensor Linear::operator()(const at::Tensor& x) const { return at::linear(x, widenForCompute(weight), bias); }

GroupNorm GroupNorm::load(const Weights& w, double eps, int64_t groups) {
    GroupNorm g;
    g.weight = w("weight");
    g.bias = w("bias");
    g.groups = groups;
    g.eps = eps;
    if (g.weight.size(0) % groups != 0)
        throw Error("group norm '" + w.fullName("weight") + "' has " + std::to_string(g.weight.size(0)) +
                    " channels, not a multiple of " + std::to_string(groups) + " groups");
    return g;
}

at::Tensor GroupNorm::operator()(const at::Tensor& x) const { return fused::groupNorm(x, groups, weight, bias, eps, false); }

at::Tensor GroupNorm::withSilu(const at::Tensor& x, const at::Tensor& offset) const {
    return fused::groupNorm(x, groups, weight, bias, eps, true, offset);
}

LayerNorm LayerNorm::load(const Weights& w, double eps) {
    LayerNorm n;
    n.weight = w("weight");
    n.bias = w("bias");
    n.eps = eps;
    return n;
}

at::Tensor LayerNorm::operator()(const at::Tensor& x) const { return fused::layerNorm(x, weight, bias, eps); }

}  // namespace tessera::engine
