#pragma once
// A loaded super-resolution network (ComfyUI's UPSCALE_MODEL): RRDBNet or SRVGGNetCompact from a
// .pth or .safetensors file, hyper-parameters from the tensor shapes (upscale_model_config.h). It
// computes in float32, as ComfyUI leaves these models, on the device it was loaded to.
#include "core/engine/networks/upscale_model_config.h"
#include "core/engine/networks/upscale_tiling.h"

#include <ATen/core/Tensor.h>

#include <functional>
#include <memory>
#include <string>

namespace tessera::engine {

class RrdbNet;
class SrVggNet;
class Weights;

class UpscaleModel {
public:
    UpscaleModel(const UpscaleModelConfig& config, const Weights& weights, std::string name);
    ~UpscaleModel();

    const UpscaleModelConfig& config() const { return config_; }
    int64_t scale() const { return config_.scale; }
    size_t byteSize() const { return bytes_; }
    const std::string& name() const { return name_; }
    const at::Device& device() const { return device_; }

    // [B, inChannels, h, w] (any device and floating dtype) -> the network's raw output
    // [B, outChannels, h*scale, w*scale], float32 on the model's device. No tiling.
    at::Tensor forward(const at::Tensor& image) const;

    // The whole image through tiledUpscale (ComfyUI's ImageUpscaleWithModel): on running out of
    // memory the tile is halved and the image started again, down to 128-pixel tiles; `tileDone`
    // as in tiledUpscale (total restarts with the smaller tiles). Result float32 on the CPU, unclamped.
    at::Tensor upscale(const at::Tensor& image, UpscaleTiling tiling = {},
                       const std::function<void(int64_t done, int64_t total)>& tileDone = {}) const;

private:
    UpscaleModelConfig config_;
    std::string name_;
    at::Device device_{at::kCPU};
    size_t bytes_ = 0;
    std::unique_ptr<RrdbNet> rrdb_;
    std::unique_ptr<SrVggNet> srvgg_;
};

// The smallest tile the out-of-memory retry goes down to (ComfyUI's limit).
constexpr int64_t kSmallestUpscaleTile = 128;

// Reads an upscale model file (.pth / .pt through the restricted unpickler, or .safetensors; wrapped
// in params_ema / params, "module." prefixes dropped) onto `device`. Throws tessera::Error naming the
// file and what was wrong: not an upscale model (what it holds), a missing, extra or mis-shaped tensor.
std::shared_ptr<const UpscaleModel> loadUpscaleModelFile(const std::string& path, const at::Device& device = at::kCPU);

}  // namespace tessera::engine
