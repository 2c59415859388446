#pragma once
// Named tensors of one network, addressed relative to a prefix, as in the checkpoint:
//   Weights unet = Weights::fromFile(*file, "model.diffusion_model.");
//   Weights block = unet.sub("input_blocks.1.0");   // block("in_layers.0.weight")
// Copies of a Weights share the same tensors (cheap to pass around).
#include <ATen/core/Tensor.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tessera::engine {

class TensorFile;

class Weights {
public:
    using Map = std::map<std::string, at::Tensor>;

    Weights();
    explicit Weights(std::shared_ptr<Map> map, std::string prefix = {});

    // What a float32 CPU network does with the file's float16 tensors: widen them all at load, or keep
    // those of two or more dimensions (matrices, kernels) in float16 for layers that widen them per call
    // (Conv2d, Linear; compute/weight_storage.h): half the memory, the same values.
    enum class HalfStorage { WidenAtLoad, KeepMatrices };

    // Tensors whose names start with `stripPrefix` (removed from the names), floating ones
    // converted to `dtype`. Integer tensors (position_ids) keep their type.
    static Weights fromFile(const TensorFile& file, const std::string& stripPrefix = {},
                            at::ScalarType dtype = at::kFloat, at::Device device = at::kCPU,
                            HalfStorage half = HalfStorage::WidenAtLoad);

    // Throws tessera::Error naming the full key when it is missing.
    at::Tensor operator()(const std::string& key) const { return get(key); }
    at::Tensor get(const std::string& key) const;
    std::optional<at::Tensor> find(const std::string& key) const;
    bool has(const std::string& key) const;
    // True when any key starts with `sub + "."` (a sub-module is present).
    bool hasModule(const std::string& sub) const;
    Weights sub(const std::string& module) const;
    // Keys below this prefix, relative to it, sorted.
    std::vector<std::string> keys() const;
    std::string fullName(const std::string& key) const { return prefix_ + key; }
    const std::string& prefix() const { return prefix_; }
    bool empty() const;

    // Replace a tensor (LoRA patching, dtype/device moves). The key must exist.
    void set(const std::string& key, const at::Tensor& value);
    // A copy with its own map (tensors shared until replaced).
    Weights detachedCopy() const;
    // Every tensor converted to the given dtype/device (new map).
    Weights to(at::ScalarType dtype, const at::Device& device) const;
    size_t byteSize() const;

private:
    std::shared_ptr<Map> map_;
    std::string prefix_;
};

}  // namespace tessera::engine
