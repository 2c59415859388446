#pragma once
// Which part of an unpickled checkpoint is the state dict, and its tensors' names, the way
// ComfyUI and spandrel see them:
//   Lightning / SD checkpoints: the "state_dict" entry (other entries are training metadata);
//   BasicSR / ESRGAN files: "params_ema" (else "params-ema", "params");
//   other wrappers: "model_state_dict", "model", "net", or the only entry when it is a dict;
//   nested dicts are joined with "." (A1111 embeddings: "string_to_param.*");
//   a "module." prefix on every name (nn.DataParallel) is removed.
// Values that are not tensors (step counters, names) are skipped. Torch-free.
#include "core/engine/files/pickle/torch_pickle.h"

#include <map>

namespace tessera::engine::pickle {

// Tensors sorted by name; `notes` says what was unwrapped. Throws tessera::Error naming `what`
// when the root is not a dict or holds no tensor.
std::vector<TensorSpec> stateDictTensors(const PickleValue* root, std::vector<std::string>& notes, const std::string& what);

// The root dict's plain entries (str, bool, int, float keyed by str) as text, bools as Python
// writes them ("True"/"False"): the settings files such as hypernetworks keep beside their tensors
// ("activation_func": "relu"). Empty when the root is not a dict.
std::map<std::string, std::string> rootMetadata(const PickleValue* root);

}  // namespace tessera::engine::pickle
