#pragma once
// The values of ComfyUI's custom-sampling links, with ComfyUI's type names:
//   SAMPLER  a sampler algorithm by name (KSamplerSelect), with settings (SamplerSASolver)
//   SIGMAS   a 1-D float32 schedule of noise levels (the scheduler nodes, SplitSigmas, ...)
//   NOISE    where the starting noise comes from: a seed (RandomNoise) or none (DisableNoise)
//   GUIDER   the model and conditioning that guide each step (CFGGuider, BasicGuider, DualCFGGuider,
//            PerpNegGuider)
#include "core/engine/sampling/ksampler.h"
#include "core/graph/value.h"
#include "nodes/values.h"

#include <ATen/core/Tensor.h>

#include <string>

namespace tessera::nodes {

struct SamplerValue : Object {
    std::string name;
    engine::SamplerOptions options;  // settings from a sampler node (SamplerSASolver); empty: the defaults
    explicit SamplerValue(std::string n, engine::SamplerOptions o = {}) : name(std::move(n)), options(std::move(o)) {}
    std::string typeName() const override { return "SAMPLER"; }
    size_t byteSize() const override { return name.size(); }
};

struct SigmasValue : Object {
    at::Tensor sigmas;  // [n] float32 CPU
    explicit SigmasValue(at::Tensor s) : sigmas(std::move(s)) {}
    std::string typeName() const override { return "SIGMAS"; }
    size_t byteSize() const override { return tensorBytes(sigmas); }
};

struct NoiseValue : Object {
    bool enabled = true;  // false: DisableNoise (zero noise)
    int64_t seed = 0;     // DisableNoise keeps 0, as ComfyUI's Noise_EmptyNoise
    NoiseValue(bool on, int64_t s) : enabled(on), seed(s) {}
    std::string typeName() const override { return "NOISE"; }
    size_t byteSize() const override { return sizeof(*this); }
};

struct GuiderValue : Object {
    engine::Guider guider;
    explicit GuiderValue(engine::Guider g) : guider(std::move(g)) {}
    std::string typeName() const override { return "GUIDER"; }
    size_t byteSize() const override {
        size_t n = 0;
        for (const auto* side : {&guider.positive, &guider.negative, &guider.middle})
            for (const auto& e : *side) n += tensorBytes(e.context) + tensorBytes(e.mask);
        return n;
    }
};

}  // namespace tessera::nodes
