#pragma once
// What ControlNetLoader gives: a network that turns a hint image (and, for ControlNets, the noisy
// latent) into additions to the UNet. ControlNets and T2I-Adapters both implement it; the sampler
// treats them alike (strength, start/end percent).
#include "core/engine/networks/control_residuals.h"

#include <ATen/core/Tensor.h>

namespace tessera::engine {

class ControlModel {
public:
    virtual ~ControlModel() = default;

    // x, timesteps, context as for UNet::forward; hint: NCHW in 0..1 at 8x the latent's size (batch
    // 1 or the latent's batch). The additions are unscaled (see ControlResiduals::scaled).
    virtual ControlResiduals forward(const at::Tensor& x, const at::Tensor& hint, const at::Tensor& timesteps,
                                     const at::Tensor& context) const = 0;
};

}  // namespace tessera::engine
