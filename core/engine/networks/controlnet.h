#pragma once
// ControlNet (cldm layout, "control_model.*"): a copy of the UNet encoder whose first block also
// receives an embedded hint image; zero convolutions turn each input block's output and the middle
// block's output into residuals for the UNet.
#include "core/engine/networks/control_model.h"
#include "core/engine/networks/nn_layers.h"
#include "core/engine/networks/unet_config.h"
#include "core/engine/networks/unet_encoder.h"

#include <ATen/core/Tensor.h>

#include <vector>

namespace tessera::engine {

class Weights;

struct ControlNetConfig {
    UNetConfig unet;                    // encoder part (outChannels 0)
    int hintChannels = 3;               // input_hint_block.0 input channels
    std::vector<int> hintConvChannels;  // output channels of each hint conv

    static ControlNetConfig infer(const Weights& w);
    int hintDownscale() const { return 8; }
};

class ControlNet : public ControlModel {
public:
    // `weights` without the "control_model." prefix.
    explicit ControlNet(const Weights& weights);

    // x, timesteps, context as for UNet::forward; hint: NCHW in 0..1 at image size (8x the latent,
    // batch 1 or the latent's batch). Residuals are unscaled (see ControlResiduals::scaled).
    ControlResiduals forward(const at::Tensor& x, const at::Tensor& hint, const at::Tensor& timesteps,
                             const at::Tensor& context) const override;
    // The hint encoder's output depends only on the hint: compute it once per image and reuse it.
    at::Tensor encodeHint(const at::Tensor& hint) const;
    ControlResiduals forwardEncoded(const at::Tensor& x, const at::Tensor& hintEmbedding,
                                    const at::Tensor& timesteps, const at::Tensor& context) const;

    const ControlNetConfig& config() const { return config_; }

private:
    ControlNetConfig config_;
    UNetEncoder encoder_;
    std::vector<Conv2d> hintConvs_;  // SiLU between them, none after the last
    std::vector<Conv2d> zeroConvs_;  // one per input block
    Conv2d middleOut_;
};

}  // namespace tessera::engine
