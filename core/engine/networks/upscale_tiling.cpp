#include "core/engine/networks/upscale_tiling.h"

#include "core/common/error.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <vector>

namespace tessera::engine {
namespace {

// Where the tiles along one axis of `size` pixels start (before clamping, as ComfyUI lists them).
std::vector<int64_t> upscaleTileStarts(int64_t size, const UpscaleTiling& t) {
    if (size <= t.tile) return {0};
    std::vector<int64_t> starts;
    const int64_t step = std::max<int64_t>(1, t.tile - t.overlap);
    for (int64_t s = 0; s < size - t.overlap; s += step) starts.push_back(s);
    if (starts.back() + t.tile < size) starts.push_back(size - t.tile);
    return starts;
}

// One axis of a tile's blending weight: 1, times (i + 1) / feather for the first and last `feather`
// cells, unless the tile is no longer than the feather.
at::Tensor upscaleFeatherRamp(int64_t length, int64_t feather) {
    at::Tensor ramp = at::ones({length}, at::kFloat);
    if (feather >= length) return ramp;
    float* r = ramp.data_ptr<float>();
    for (int64_t t = 0; t < feather; ++t) {
        const float a = static_cast<float>(double(t + 1) / double(feather));
        r[t] *= a;
        r[length - 1 - t] *= a;
    }
    return ramp;
}

}  // namespace

int64_t upscaleTileCount(int64_t h, int64_t w, const UpscaleTiling& tiling) {
    if (h <= tiling.tile && w <= tiling.tile) return 1;
    return int64_t(upscaleTileStarts(h, tiling).size() * upscaleTileStarts(w, tiling).size());
}

at::Tensor tiledUpscale(const at::Tensor& images, int64_t scale, int64_t outChannels, const UpscaleTiling& tiling,
                        const std::function<at::Tensor(const at::Tensor&)>& net,
                        const std::function<void(int64_t, int64_t)>& tileDone) {
    if (tiling.tile < 1 || tiling.overlap < 0 || tiling.overlap >= tiling.tile)
        throw Error("tiled upscale: invalid tiling (tile " + std::to_string(tiling.tile) + ", overlap " +
                    std::to_string(tiling.overlap) + " pixels); the overlap must be between 0 and the tile size");
    const int64_t batch = images.size(0), h = images.size(2), w = images.size(3);
    const int64_t total = batch * upscaleTileCount(h, w, tiling);
    at::Tensor result = at::empty({batch, outChannels, h * scale, w * scale}, at::kFloat);
    auto runTile = [&](const at::Tensor& input) {
        at::Tensor out = net(input).to(at::kCPU, at::kFloat);
        if (out.dim() != 4 || out.size(1) != outChannels || out.size(2) != input.size(2) * scale ||
            out.size(3) != input.size(3) * scale)
            throw Error("tiled upscale: the network returned " + std::to_string(out.dim()) + "-D output of the wrong size");
        return out;
    };
    int64_t done = 0;
    const int64_t feather = tiling.overlap * scale;
    for (int64_t b = 0; b < batch; ++b) {
        const at::Tensor image = images.narrow(0, b, 1);
        if (h <= tiling.tile && w <= tiling.tile) {
            result.narrow(0, b, 1).copy_(runTile(image));
            if (tileDone) tileDone(++done, total);
            continue;
        }
        at::Tensor sum = at::zeros({1, outChannels, h * scale, w * scale}, at::kFloat);
        at::Tensor weightSum = at::zeros({h * scale, w * scale}, at::kFloat);
        for (const int64_t rowStart : upscaleTileStarts(h, tiling)) {
            for (const int64_t colStart : upscaleTileStarts(w, tiling)) {
                const int64_t y = std::max<int64_t>(0, std::min(h - tiling.overlap, rowStart));
                const int64_t x = std::max<int64_t>(0, std::min(w - tiling.overlap, colStart));
                const int64_t th = std::min(tiling.tile, h - y), tw = std::min(tiling.tile, w - x);
                const at::Tensor part = runTile(image.narrow(2, y, th).narrow(3, x, tw));
                const at::Tensor weight =
                    at::outer(upscaleFeatherRamp(part.size(2), feather), upscaleFeatherRamp(part.size(3), feather));
                sum.narrow(2, y * scale, part.size(2)).narrow(3, x * scale, part.size(3)).add_(part * weight);
                weightSum.narrow(0, y * scale, part.size(2)).narrow(1, x * scale, part.size(3)).add_(weight);
                if (tileDone) tileDone(++done, total);
            }
        }
        result.narrow(0, b, 1).copy_(sum.div_(weightSum));
    }
    return result;
}

}  // namespace tessera::engine
