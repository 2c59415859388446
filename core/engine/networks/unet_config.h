#pragma once
// Hyper-parameters of an ldm "openaimodel" UNet (SD1.x/SD2.x and their ControlNets), inferred
// from tensor shapes: checkpoints do not store them.
#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

namespace tessera::engine {

class Weights;

struct UNetConfig {
    int inChannels = 4;
    int outChannels = 4;  // 0 for an encoder-only network (ControlNet)
    int modelChannels = 320;
    std::vector<int> channelMult{1, 2, 4, 4};
    int numResBlocks = 2;
    std::vector<int> attentionLevels{0, 1, 2};  // levels (0 = full resolution) with a spatial transformer
    int transformerDepth = 1;
    int contextDim = 768;
    bool linearProjection = false;  // ldm's use_linear_in_transformer: proj_in/proj_out linear (SD2.x)
    int numHeads = 8;               // -1 when the channels per head are fixed
    int numHeadChannels = -1;       // -1 when the number of heads is fixed
    // ldm's adm_in_channels: width of the class/ADM vector `label_emb` adds to the time embedding
    // (SD2 unCLIP: image embedding + its noise-level embedding); 0 without label_emb.
    int admInChannels = 0;

    // Reads the shapes of a UNet (or ControlNet) below `w`: "input_blocks.0.0.weight", ...
    // Heads: conv proj_in (SD1.x) -> 8 heads; linear proj_in (SD2.x) -> 64 channels per head.
    // label_emb.0.0.weight gives admInChannels.
    // Throws tessera::Error naming the key when the layout is not an ldm UNet.
    static UNetConfig infer(const Weights& w);

    int levels() const { return int(channelMult.size()); }
    int timeEmbedDim() const { return modelChannels * 4; }
    bool hasAttention(int level) const;
    // Heads of a spatial transformer with `channels` channels.
    int headsFor(int channels) const;
    std::string describe() const;

    bool operator==(const UNetConfig&) const = default;
};

}  // namespace tessera::engine
