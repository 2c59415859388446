#pragma once
// ComfyUI's tiled_scale for super-resolution networks: the image in overlapping tiles (tiles start
// every tile - overlap pixels, the last one flush with the edge), each tile's output weighted by a
// ramp (t + 1) / feather over its outer overlap * scale pixels on all four sides, the weighted sum
// divided by the summed weights. An image that fits in one tile runs whole. Outputs gather on the CPU
// in float32, so only one tile's activations live on the network's device at a time.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>

namespace tessera::engine {

struct UpscaleTiling {
    int64_t tile = 512;    // input pixels
    int64_t overlap = 32;  // input pixels shared by neighbouring tiles
};

// Tiles per image of h x w pixels.
int64_t upscaleTileCount(int64_t h, int64_t w, const UpscaleTiling& tiling);

// `net` maps [1, C, th, tw] to [1, outChannels, th*scale, tw*scale]. `tileDone(done, total)` runs after
// every tile (total = batch x tiles) and may throw (cancellation). Returns [B, outChannels, H*scale, W*scale]
// float32 on the CPU. Throws tessera::Error for an invalid tiling or a network output of the wrong size.
at::Tensor tiledUpscale(const at::Tensor& images, int64_t scale, int64_t outChannels, const UpscaleTiling& tiling,
                        const std::function<at::Tensor(const at::Tensor&)>& net,
                        const std::function<void(int64_t done, int64_t total)>& tileDone = {});

}  // namespace tessera::engine
