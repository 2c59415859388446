#pragma once
// What flows along Tessera's typed links, with ComfyUI's conventions:
//   IMAGE  [B,H,W,3] float 0..1 (NHWC)          MASK  [B,H,W] float 0..1 (1 = repaint / selected)
//   LATENT unscaled VAE-space samples [B,4,h,w] with an optional noise mask
//   CONDITIONING  entries of text context + ControlNets (+ inpainting-model extras, area, mask, range)
//   MODEL, CLIP, VAE, CONTROL_NET  loaded networks, shared by pointer
// Every value is immutable once made: nodes build new ones, never modify their inputs.
#include "core/engine/sampling/ksampler.h"
#include "core/graph/value.h"

#include <ATen/core/Tensor.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tessera::engine {
struct DiffusionModel;
class TextEncoder;
class Vae;
class ControlModel;
}  // namespace tessera::engine

namespace tessera::nodes {

size_t tensorBytes(const at::Tensor& t);

struct ImageValue : Object {
    at::Tensor pixels;  // [B,H,W,3] float32 0..1
    explicit ImageValue(at::Tensor p) : pixels(std::move(p)) {}
    std::string typeName() const override { return "IMAGE"; }
    size_t byteSize() const override { return tensorBytes(pixels); }
};

struct MaskValue : Object {
    at::Tensor mask;  // [B,H,W] float32 0..1
    explicit MaskValue(at::Tensor m) : mask(std::move(m)) {}
    std::string typeName() const override { return "MASK"; }
    size_t byteSize() const override { return tensorBytes(mask); }
};

struct LatentValue : Object {
    at::Tensor samples;    // [B,4,h,w] unscaled
    at::Tensor noiseMask;  // optional [B,1,H,W] or [B,H,W], 1 = repaint
    // ComfyUI's "batch_index": which seed noise each entry gets when sampled (empty: 0..B-1). Set by
    // LatentFromBatch, RepeatLatentBatch, LatentBatch and LatentBatchSeedBehavior.
    std::vector<int64_t> batchIndex;
    // Set by NoiseByStrength: already noised; a KSampler continues from here.
    std::optional<engine::NoisedStart> noised;
    explicit LatentValue(at::Tensor s) : samples(std::move(s)) {}
    std::string typeName() const override { return "LATENT"; }
    size_t byteSize() const override { return tensorBytes(samples) + tensorBytes(noiseMask); }
};

// ComfyUI's CONDITIONING: a list of entries (ConditioningCombine joins lists), each with its own
// area, mask, strength and timestep range; the sampler averages them.
struct ConditioningValue : Object {
    std::vector<engine::Conditioning> entries;
    explicit ConditioningValue(engine::Conditioning c) { entries.push_back(std::move(c)); }
    explicit ConditioningValue(std::vector<engine::Conditioning> list) : entries(std::move(list)) {}
    std::string typeName() const override { return "CONDITIONING"; }
    size_t byteSize() const override {
        size_t n = 0;
        for (const auto& e : entries) n += tensorBytes(e.context) + tensorBytes(e.mask);
        return n;
    }
};

struct ModelValue : Object {
    std::shared_ptr<const engine::DiffusionModel> model;
    explicit ModelValue(std::shared_ptr<const engine::DiffusionModel> m) : model(std::move(m)) {}
    std::string typeName() const override { return "MODEL"; }
    size_t byteSize() const override;
};

struct ClipValue : Object {
    std::shared_ptr<const engine::TextEncoder> encoder;
    explicit ClipValue(std::shared_ptr<const engine::TextEncoder> e) : encoder(std::move(e)) {}
    std::string typeName() const override { return "CLIP"; }
    size_t byteSize() const override;
};

struct VaeValue : Object {
    std::shared_ptr<const engine::Vae> vae;
    explicit VaeValue(std::shared_ptr<const engine::Vae> v) : vae(std::move(v)) {}
    std::string typeName() const override { return "VAE"; }
    size_t byteSize() const override;
};

struct ControlNetValue : Object {
    std::shared_ptr<const engine::ControlModel> net;
    explicit ControlNetValue(std::shared_ptr<const engine::ControlModel> n) : net(std::move(n)) {}
    std::string typeName() const override { return "CONTROL_NET"; }
    size_t byteSize() const override;
};

}  // namespace tessera::nodes
