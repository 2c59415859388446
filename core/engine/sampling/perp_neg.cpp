#include "core/engine/sampling/perp_neg.h"

#include <ATen/ATen.h>

namespace tessera::engine {

at::Tensor perpNegGuidance(const at::Tensor& condX0, const at::Tensor& uncondX0, const at::Tensor& emptyX0,
                           double negScale, double cfg) {
    const at::Tensor pos = condX0 - emptyX0;
    const at::Tensor neg = uncondX0 - emptyX0;
    const at::Tensor perp = neg - (neg * pos).sum() / at::norm(pos).pow(2) * pos;
    return emptyX0 + (pos - perp * negScale) * cfg;
}

CfgCombine perpNegCombine(Denoiser empty, double negScale) {
    return [empty = std::move(empty), negScale](const at::Tensor& x, double sigma, const at::Tensor& condX0,
                                                const at::Tensor& uncondX0, double cfg) {
        const at::Tensor emptyX0 = empty ? empty(x, sigma) : at::zeros_like(condX0);
        return perpNegGuidance(condX0, uncondX0, emptyX0, negScale, cfg);
    };
}

}  // namespace tessera::engine
