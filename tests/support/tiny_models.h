#pragma once
// The refdata's tiny SD1.5 model as the engine tests use it directly, and one guided sampling run on it.
#include "core/engine/files/checkpoint.h"
#include "core/engine/networks/unet.h"
#include "core/engine/sampling/ksampler.h"

#include <ATen/core/Tensor.h>

#include <memory>
#include <optional>

namespace tessera::test {

// tiny-sd15's UNet, float32.
engine::UNet tinyUNet();
// tiny-sd15 loaded to compute in float32 on the CPU, whatever this CPU prefers.
engine::LoadedCheckpoint loadTinySd15();

// runCustomSampler with `kind`'s guider: the positive, and the negative for a CFG guider, along `sigmas` from
// `latent`, with the seed's noise or, without one, none.
at::Tensor runGuided(const std::shared_ptr<const engine::DiffusionModel>& model, engine::Guider::Kind kind, double cfg,
                     const engine::Conditioning& positive, const engine::Conditioning& negative, const at::Tensor& sigmas,
                     const at::Tensor& latent, std::optional<int64_t> noiseSeed = std::nullopt);

}  // namespace tessera::test
