#pragma once
// FreeU (Si et al., 2023; ComfyUI's FreeU and FreeU_V2 nodes): in the UNet's output blocks, before a
// block joins its skip connection, the backbone's features are amplified and the skip's lowest
// frequencies damped. Applied where the features have 4x (b1, s1) or 2x (b2, s2) the model's base
// channels, as ComfyUI selects them.
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace tessera::engine {

struct FreeU {
    double b1 = 1.1, b2 = 1.2;  // backbone factors
    double s1 = 0.9, s2 = 0.2;  // skip factors for the lowest frequencies
    bool v2 = false;            // FreeU_V2: each pixel's factor follows its mean feature, min-max normalised per image
};

// ComfyUI's Fourier_filter: the 2-D spectrum of each [H, W] plane (computed in float32), its
// frequencies 0 and -1 on each axis (the centre block of a shifted spectrum, `threshold` either side)
// multiplied by `scale`, and the real part of the inverse, in `x`'s dtype.
at::Tensor freeUFourierFilter(const at::Tensor& x, int64_t threshold, double scale);

// One output block's patch: `h` [B, C, H, W] (the block's input, changed in place) and `skip` (the skip
// connection it joins, replaced by its filtered copy), where C is 4x or 2x `modelChannels`.
void applyFreeU(const FreeU& settings, int64_t modelChannels, at::Tensor& h, at::Tensor& skip);

}  // namespace tessera::engine
