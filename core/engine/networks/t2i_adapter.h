#pragma once
// T2I-Adapters (TencentARC; ComfyUI's comfy/t2i_adapter/adapter.py): a small network that turns the
// hint image, pixel-unshuffled by 8, into one feature map per UNet resolution level. The UNet adds
// them after each level's last input block (ControlResiduals::levelFeatures). Unlike a ControlNet
// the adapter does not see the latent, so its features depend on the hint only.
//   full:  conv_in, then ResnetBlocks body.N (block1 3x3, ReLU, block2; in_conv where the channels
//          change; the first block of each level after the first downsamples by average pooling or
//          by a strided conv down_opt.op), 2 blocks per level;
//   light: per level an extractor body.N (1x1 in_conv, ResnetBlock_light body.N.body.K, 1x1
//          out_conv), average-pooled between levels.
// Channels, kernel sizes and the input channels come from the weights' shapes.
#include "core/engine/networks/control_model.h"
#include "core/engine/networks/nn_layers.h"

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

namespace tessera::engine {

class Weights;

struct T2IAdapterConfig {
    enum class Kind { Full, Light };
    Kind kind = Kind::Full;
    int unshuffle = 8;
    int imageChannels = 3;      // hint channels (1: sketch adapters, fed the mean of RGB)
    std::vector<int> channels;  // feature channels per level
    int blocksPerLevel = 2;     // full: ResnetBlocks per level; light: ResnetBlock_lights per extractor
    bool convDownsample = false;

    // `name` is for messages (the file name). Throws tessera::Error for other layouts (SDXL adapters).
    static T2IAdapterConfig infer(const Weights& w, const std::string& name);
};

class T2IAdapter : public ControlModel {
public:
    T2IAdapter(const Weights& weights, const std::string& name);

    // hint: NCHW 0..1, height and width multiples of 8, 1 or imageChannels channels (an RGB hint
    // for a one-channel adapter is averaged). One feature map per level, full resolution first.
    std::vector<at::Tensor> features(const at::Tensor& hint) const;
    // ControlModel: levelFeatures = features(hint); x, timesteps and context are not used.
    ControlResiduals forward(const at::Tensor& x, const at::Tensor& hint, const at::Tensor& timesteps,
                             const at::Tensor& context) const override;

    const T2IAdapterConfig& config() const { return config_; }

private:
    // Both adapter kinds are chains of these: optional downsampling, optional 1x1/kxk input conv,
    // then residual blocks; the light extractor ends with out_conv.
    struct Resnet {
        Conv2d block1, block2, skip;  // skip ("skep") may be empty: identity
    };
    struct Stage {
        bool downsample = false;
        Conv2d downConv;  // strided conv; empty: average pooling
        Conv2d inConv;    // may be empty
        std::vector<Resnet> resnets;
        Conv2d outConv;   // light only
    };

    at::Tensor runStage(const Stage& stage, at::Tensor x) const;

    T2IAdapterConfig config_;
    std::string name_;
    Conv2d convIn_;  // full only
    std::vector<std::vector<Stage>> levels_;
};

}  // namespace tessera::engine
