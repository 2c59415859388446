#pragma once
// Which checkpoint weight a LoRA module name patches. Built from the weights the loaded model
// really has (so a name only resolves when its target exists), for every naming in use:
//   kohya / ComfyUI ldm names     lora_unet_input_blocks_1_1_proj_in
//   kohya diffusers-style names   lora_unet_down_blocks_0_attentions_0_proj_in
//   diffusers / PEFT              unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q
//                                 unet.down_blocks....attn1.processor.to_q  (old attention processors)
//   text encoder                  lora_te_text_model_encoder_layers_0_self_attn_q_proj (also lora_te1_)
//                                 text_encoder.text_model.encoder.layers.0.self_attn.q_proj
// Text LoRAs use HF CLIP names; on an OpenCLIP-named model (SD2) q/k/v go to thirds of the fused
// in_proj_weight, fc1/fc2 to mlp.c_fc/c_proj and out_proj to attn.out_proj.
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tessera::engine {

enum class TextNaming { HuggingFace, OpenClip };

// Where each network lives in a full checkpoint; LoRA targets are full keys below these.
inline constexpr const char* kUnetRoot = "model.diffusion_model.";
inline constexpr const char* kHfTextRoot = "cond_stage_model.transformer.text_model.";
inline constexpr const char* kOpenClipTextRoot = "cond_stage_model.model.";

struct LoraTarget {
    std::string key;    // full checkpoint key of the weight
    bool text = false;  // text encoder (else UNet)
    int qkvPart = -1;   // 0/1/2: q/k/v third of a fused OpenCLIP in_proj_weight; -1: the whole weight
};

// LoRA module name -> target. `unetKeys`/`textKeys` are the model's weight names, either full
// checkpoint keys or relative to the network (as Weights::keys() of a prefix view lists them).
std::map<std::string, LoraTarget> loraKeyMap(const std::vector<std::string>& unetKeys,
                                             const std::vector<std::string>& textKeys, TextNaming naming);

// The key under which `weights`-style names (relative to some prefix of the checkpoint root)
// hold `target`: candidates are `target` with leading components of its root removed.
std::vector<std::string> weightKeyCandidates(const std::string& target);

}  // namespace tessera::engine
