// Tiled VAE encode/decode: overlapping tiles whose outputs are blended with linear ramps.
#include "core/common/error.h"
#include "core/engine/networks/vae.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <functional>

namespace tessera::engine {
namespace {

// Start offsets of tiles of `tile` cells covering [0, size), neighbours sharing at least `overlap`.
std::vector<int64_t> tileStarts(int64_t size, int64_t tile, int64_t overlap) {
    if (size <= tile) return {0};
    std::vector<int64_t> starts;
    for (int64_t s = 0;; s = std::min(s + tile - overlap, size - tile)) {
        starts.push_back(s);
        if (s + tile >= size) break;
    }
    return starts;
}

// Weight of each output cell of one tile along one axis: rising linearly over `ramp` cells on
// each side that borders another tile, 1 elsewhere.
at::Tensor axisWeights(int64_t length, int64_t ramp, bool rampStart, bool rampEnd, const at::TensorOptions& options) {
    at::Tensor w = at::ones({length}, options);
    if (ramp <= 0) return w;
    const at::Tensor rise = at::arange(1, ramp + 1, options).div_(static_cast<double>(ramp + 1));
    const int64_t n = std::min(ramp, length);
    if (rampStart) w.narrow(0, 0, n).mul_(rise.narrow(0, 0, n));
    if (rampEnd) w.narrow(0, length - n, n).mul_(rise.narrow(0, 0, n).flip({0}));
    return w;
}

// Runs `fn` on tiles of `input` (sizes in input cells) and blends its outputs, which are
// `num/den` times the input's spatial size.
at::Tensor blendTiles(const at::Tensor& input, int64_t tile, int64_t overlap, int64_t num, int64_t den,
                      const std::function<at::Tensor(const at::Tensor&)>& fn) {
    const int64_t h = input.size(2), w = input.size(3);
    const std::vector<int64_t> rows = tileStarts(h, tile, overlap), cols = tileStarts(w, tile, overlap);
    const int64_t tileH = std::min(tile, h), tileW = std::min(tile, w), ramp = overlap * num / den;
    at::Tensor out, weightSum;
    for (const int64_t y : rows) {
        for (const int64_t x : cols) {
            const at::Tensor part = fn(input.narrow(2, y, tileH).narrow(3, x, tileW));
            if (!out.defined()) {
                out = at::zeros({part.size(0), part.size(1), h * num / den, w * num / den}, part.options());
                weightSum = at::zeros({out.size(2), out.size(3)}, part.options());
            }
            const int64_t oy = y * num / den, ox = x * num / den, oh = part.size(2), ow = part.size(3);
            const at::Tensor wy = axisWeights(oh, ramp, y > 0, y + tileH < h, part.options());
            const at::Tensor wx = axisWeights(ow, ramp, x > 0, x + tileW < w, part.options());
            const at::Tensor weight = at::outer(wy, wx);
            out.narrow(2, oy, oh).narrow(3, ox, ow).add_(part * weight);
            weightSum.narrow(0, oy, oh).narrow(1, ox, ow).add_(weight);
        }
    }
    return out.div_(weightSum);
}

void checkTiling(const char* what, int64_t tile, int64_t overlap, int64_t unit, const char* unitName) {
    if (tile < unit || overlap < 0 || overlap >= tile)
        throw Error(std::string(what) + ": invalid tiling (tile " + std::to_string(tile) + ", overlap " + std::to_string(overlap) +
                    " " + unitName + "); the tile must be at least " + std::to_string(unit) +
                    " and the overlap between 0 and the tile size");
}

}  // namespace

at::Tensor Vae::decodeTiled(const at::Tensor& z, int tileLatent, int overlapLatent) const {
    checkLatent(z, "tiled VAE decode");
    checkTiling("tiled VAE decode", tileLatent, overlapLatent, 1, "latent cells");
    return blendTiles(z, tileLatent, overlapLatent, downscale(), 1, [this](const at::Tensor& t) { return runDecoder(t); });
}

at::Tensor Vae::encodeTiled(const at::Tensor& image, int tilePixels, int overlapPixels) const {
    checkImage(image, "tiled VAE encode");
    const int64_t m = downscale(), tile = tilePixels / m * m, overlap = overlapPixels / m * m;
    checkTiling("tiled VAE encode", tile, overlap, m, "pixels");
    return blendTiles(image, tile, overlap, 1, m, [this](const at::Tensor& t) {
        return runEncoder(t).narrow(1, 0, config_.zChannels);
    });
}

at::Tensor Vae::decodeWholeOrTiled(const at::Tensor& z, bool whole) const {
    return whole ? decode(z) : decodeTiled(z, 64, 16);
}

at::Tensor Vae::encodeWholeOrTiled(const at::Tensor& image, bool whole) const {
    const int64_t m = downscale();
    return whole ? encode(image) : encodeTiled(image, int(64 * m), int(16 * m));
}

}  // namespace tessera::engine
