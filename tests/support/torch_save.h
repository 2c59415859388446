#pragma once
// Model files in PyTorch's pickle format, written by libtorch's own torch.save writer
// (torch::pickle_save: the zip format Python's torch.load reads), for tests of the pickle reader
// on real models without Python.
#include <ATen/core/Tensor.h>

#include <string>

namespace tessera::test {

// Writes the tensors of the safetensors file `source` to `target` as a state dict, wrapped as a
// Lightning checkpoint ({"epoch": 3, "state_dict": {...}}) when `lightning` is set.
void writeTorchSaveCopy(const std::string& source, const std::string& target, bool lightning);
// An A1111 textual-inversion embedding: {"string_to_param": {"*": vectors [n, width]}, "name": name}.
void writeTorchSaveEmbedding(const std::string& target, const std::string& name, const at::Tensor& vectors);

}  // namespace tessera::test
