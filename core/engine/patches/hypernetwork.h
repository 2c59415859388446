#pragma once
// Hypernetworks (A1111 / NovelAI .pt files, or those converted to .safetensors by `tessera convert`)
// as ComfyUI's HypernetworkLoader applies them: for each attention width in the file (320, 640,
// 768, 1280, ...) two small MLPs, applied in every UNet attention layer (self- and cross-attention)
// whose key input has that width, before to_k / to_v:
//   k <- k + strength * mlp_k(k),   v <- v + strength * mlp_v(v).
// The file is a dict {width: (k_state_dict, v_state_dict), "activation_func": ..., ...}; read
// without running code (pickle/), its tensors are named "<width>.<0|1>.<module>.weight".
#include "core/engine/networks/attention.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tessera::engine {

struct DiffusionModel;
class TensorFile;

// The file's settings with ComfyUI's defaults (linear, no layer norm, no output activation).
struct HypernetworkSettings {
    std::string activation = "linear";  // linear relu leakyrelu elu swish tanh sigmoid softsign mish
    bool layerNorm = false;
    bool activateOutput = false;
};

// One MLP in ComfyUI's order: each Linear, then the activation (except after the last module
// unless activate_output), then the LayerNorm when the file has them. Dropout is inactive (inference).
struct HypernetworkMlp {
    struct Step {
        enum class Kind { Linear, Activation, LayerNorm } kind;
        at::Tensor weight, bias;
    };
    std::vector<Step> steps;
    std::string activation;

    at::Tensor operator()(const at::Tensor& x) const;  // float32 in, float32 out
};

struct Hypernetwork {
    std::string source;  // the file, for messages
    HypernetworkSettings settings;
    std::map<int64_t, std::pair<HypernetworkMlp, HypernetworkMlp>> widths;  // width -> (key MLP, value MLP)
};

// Throws tessera::Error naming the file: an activation ComfyUI does not support (named, with the
// supported list), no widths, a width without both MLPs, a Linear without bias, shapes that do not chain.
Hypernetwork loadHypernetwork(const TensorFile& file);
Hypernetwork loadHypernetworkFile(const std::string& path);

// The attention input patch: float32 on `device`, the result in the input's dtype. Chains after
// `before` (an earlier hypernetwork on the same model), as ComfyUI runs its patches in order.
class HypernetworkPatch : public AttentionInputPatch {
public:
    HypernetworkPatch(const Hypernetwork& net, double strength, at::Device device,
                      std::shared_ptr<const AttentionInputPatch> before);
    std::pair<at::Tensor, at::Tensor> keyValueInputs(const at::Tensor& key, const at::Tensor& value) const override;

private:
    std::map<int64_t, std::pair<HypernetworkMlp, HypernetworkMlp>> widths_;
    double strength_;
    std::shared_ptr<const AttentionInputPatch> before_;
};

// A copy of `model` whose UNet applies the hypernetwork at `strength` (the weights are shared).
// Throws tessera::Error naming the file when none of its widths is one of the model's attention widths.
std::shared_ptr<const DiffusionModel> applyHypernetwork(const std::shared_ptr<const DiffusionModel>& model,
                                                        const Hypernetwork& net, double strength);

}  // namespace tessera::engine
