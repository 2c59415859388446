#include "tests/support/torch_save.h"

#include "core/engine/files/safetensors.h"

#include <ATen/ATen.h>
#include <torch/csrc/jit/serialization/pickle.h>

#include <fstream>

namespace tessera::test {

void writeTorchSaveCopy(const std::string& source, const std::string& target, bool lightning) {
    c10::Dict<std::string, at::Tensor> state;
    const auto file = engine::SafetensorsFile::open(source);
    for (const auto& e : file->entries()) state.insert(e.name, file->tensor(e.name).clone());
    c10::impl::GenericDict root(c10::StringType::get(), c10::AnyType::get());
    root.insert("epoch", int64_t(3));
    root.insert("state_dict", state);
    const std::vector<char> bytes = lightning ? torch::jit::pickle_save(root) : torch::jit::pickle_save(state);
    std::ofstream(target, std::ios::binary | std::ios::trunc).write(bytes.data(), std::streamsize(bytes.size()));
}

void writeTorchSaveEmbedding(const std::string& target, const std::string& name, const at::Tensor& vectors) {
    c10::Dict<std::string, at::Tensor> params;
    params.insert("*", vectors);
    c10::impl::GenericDict root(c10::StringType::get(), c10::AnyType::get());
    root.insert("string_to_param", params);
    root.insert("name", name);
    const std::vector<char> bytes = torch::jit::pickle_save(root);
    std::ofstream(target, std::ios::binary | std::ios::trunc).write(bytes.data(), std::streamsize(bytes.size()));
}

}  // namespace tessera::test
