#pragma once
// Names of ldm UNet weights in the diffusers layout (down_blocks / mid_block / up_blocks), as
// ComfyUI's unet_to_diffusers maps them. LoRAs trained with diffusers (and kohya's diffusers-style
// "lora_unet_down_blocks_0_..." names) address the UNet this way.
#include <string>
#include <vector>

namespace tessera::engine {

// The block structure needed to translate indices: ResBlocks per resolution level of the encoder
// (the decoder has one more per level, in reverse order). Inferred from the weight names:
// the downsamplers (input_blocks.N.0.op) separate the levels.
struct UnetBlockLayout {
    std::vector<int> resBlocksPerLevel;
};

// `unetKeys` relative to the UNet root ("input_blocks.1.0.in_layers.2.weight").
UnetBlockLayout inferUnetBlockLayout(const std::vector<std::string>& unetKeys);

// The diffusers names of one ldm weight ("input_blocks.1.1.proj_in.weight" ->
// "down_blocks.0.attentions.0.proj_in.weight"); empty when it has none. label_emb has two
// (class_embedding and add_embedding).
std::vector<std::string> ldmToDiffusersNames(const std::string& ldmKey, const UnetBlockLayout& layout);

}  // namespace tessera::engine
