#include "nodes/memory_estimates.h"

#include "core/common/error.h"
#include "core/engine/networks/attention.h"
#include "core/engine/networks/unet_config.h"
#include "core/engine/networks/upscale_model_config.h"
#include "core/engine/networks/vae.h"
#include "core/exec/memory_budget.h"

#include <algorithm>

namespace tessera::nodes {
// The shape overload beside nodes::tensorBytes(const at::Tensor&), which would hide it.
using tessera::tensorBytes;

namespace {

uint64_t u(int64_t v) { return v > 0 ? uint64_t(v) : 0; }

// Attention never holds more than one slice of scores plus its softmax (attention.h).
uint64_t attentionBytes(int64_t batchHeads, int64_t tokens) {
    const uint64_t whole = tensorBytes({batchHeads, tokens, tokens}, 4);
    return mulBytes(2, std::min<uint64_t>(whole, uint64_t(engine::AttentionOptions{}.maxSliceBytes)));
}

}  // namespace

uint64_t float32Bytes(int64_t batch, int64_t channels, int64_t h, int64_t w) { return tensorBytes({batch, channels, h, w}, 4); }

uint64_t samplingBytes(const engine::UNetConfig& unet, int64_t modelBatch, int64_t latentBatch, int64_t latentChannels,
                       int64_t latentH, int64_t latentW, int64_t elementBytes) {
    // Skip connections kept for the output blocks: (numResBlocks + 1) per level, at that level's size.
    uint64_t skipElements = 0;
    for (int level = 0; level < unet.levels(); ++level) {
        const uint64_t cells = u(latentH >> level) * u(latentW >> level);
        skipElements = addBytes(skipElements, mulBytes(u(unet.numResBlocks + 1) * u(unet.modelChannels) *
                                                           u(unet.channelMult[size_t(level)]), cells));
    }
    // The full-resolution transformer's live tensors: GEGLU's 8x projection plus a few residuals.
    const uint64_t dim = u(unet.modelChannels) * u(unet.channelMult.empty() ? 1 : unet.channelMult[0]);
    const uint64_t working = mulBytes(12 * dim, u(latentH) * u(latentW));
    const uint64_t perItem = mulBytes(addBytes(skipElements, working), u(elementBytes));
    const uint64_t heads = u(unet.numHeads > 0 ? unet.numHeads : std::max<int64_t>(1, int64_t(dim) / 64));
    const uint64_t attention = attentionBytes(int64_t(mulBytes(u(modelBatch), heads)), latentH * latentW);
    const uint64_t samplerState = mulBytes(8, float32Bytes(latentBatch, latentChannels, latentH, latentW));
    return addBytes(addBytes(mulBytes(perItem, u(modelBatch)), attention), samplerState);
}

uint64_t vaeDecodeBytes(const engine::VaeConfig& vae, int64_t batch, int64_t latentH, int64_t latentW,
                        int64_t elementBytes, int64_t tileCells) {
    const int64_t m = vae.downscale();
    const bool whole = tileCells <= 0;
    const int64_t tileH = whole ? latentH : std::min(latentH, tileCells), tileW = whole ? latentW : std::min(latentW, tileCells);
    // At full resolution the decoder holds about eight tensors of its first level's width (the upsampled
    // input, norms, convolution outputs, the residual).
    const uint64_t activations =
        mulBytes(tensorBytes({batch, 8 * int64_t(vae.ch), tileH * m, tileW * m}, u(elementBytes)), 1);
    const uint64_t midAttention = attentionBytes(batch, tileH * tileW);
    // The assembled image, the tiles' weight sum and the NHWC copy handed on.
    const uint64_t image = mulBytes(3, float32Bytes(batch, vae.outChannels, latentH * m, latentW * m));
    return addBytes(addBytes(activations, midAttention), image);
}

uint64_t vaeEncodeBytes(const engine::VaeConfig& vae, int64_t batch, int64_t h, int64_t w, int64_t elementBytes,
                        int64_t tileCells) {
    const int64_t m = vae.downscale();
    const uint64_t activations = vaeDecodeBytes(vae, batch, h / m, w / m, elementBytes, tileCells);
    // The input in NCHW, scaled to -1..1 (two float32 copies) instead of the decoder's output image.
    return addBytes(activations, mulBytes(2, float32Bytes(batch, vae.inChannels, h, w)));
}

bool vaeDecodesWhole(const engine::VaeConfig& vae, int64_t batch, int64_t latentH, int64_t latentW, int64_t elementBytes) {
    return latentH * latentW <= engine::Vae::kWholeLatentCells ||
           vaeDecodeBytes(vae, batch, latentH, latentW, elementBytes, 0) <= availableMemory().bytes;
}

bool vaeEncodesWhole(const engine::VaeConfig& vae, int64_t batch, int64_t h, int64_t w, int64_t elementBytes) {
    const int64_t m = vae.downscale();
    return (h / m) * (w / m) <= engine::Vae::kWholeLatentCells ||
           vaeEncodeBytes(vae, batch, h, w, elementBytes, 0) <= availableMemory().bytes;
}

uint64_t upscaleModelBytes(const engine::UpscaleModelConfig& m, int64_t batch, int64_t h, int64_t w, int64_t tile) {
    const int64_t th = std::min(h, tile), tw = std::min(w, tile), s = m.scale;
    const bool rrdb = m.arch == engine::UpscaleArch::RrdbNet;
    // RRDBNet: the trunk's input, the block's input and output and a dense block's concatenations;
    // SRVGG: two feature maps at the input resolution.
    const int64_t lowChannels = rrdb ? 4 * m.features + 10 * m.growth : 2 * m.features + m.outChannels * s * s;
    const int64_t highChannels = rrdb ? 3 * m.features : 2 * m.outChannels;
    const int64_t lowH = (th + m.unshuffle - 1) / m.unshuffle, lowW = (tw + m.unshuffle - 1) / m.unshuffle;
    uint64_t bytes = float32Bytes(1, lowChannels, lowH, lowW);
    bytes = addBytes(bytes, float32Bytes(1, highChannels, th * s, tw * s));
    return addBytes(bytes, float32Bytes(1, 4 + 6 * batch, h * s, w * s));
}

std::string dimsText(int64_t a, int64_t b, int64_t c, int64_t d) {
    return std::to_string(a) + "x" + std::to_string(b) + "x" + std::to_string(c) + "x" + std::to_string(d);
}

void requireNodeMemory(const NodeContext& ctx, uint64_t bytes, const std::string& what) {
    try {
        requireMemory(bytes, what);
    } catch (const Error& e) {
        ctx.fail(e.what());
    }
}

void requireImageBatchMemory(const NodeContext& ctx, int64_t batch, int64_t height, int64_t width) {
    requireNodeMemory(ctx, float32Bytes(batch, 3, height, width),
                      "a batch of " + std::to_string(batch) + " image(s) of " + std::to_string(width) + "x" +
                          std::to_string(height) + " pixels");
}

void requireVaeMemory(const NodeContext& ctx, bool whole, uint64_t wholeBytes, uint64_t tiledBytes, const std::string& what) {
    requireNodeMemory(ctx, whole ? wholeBytes : tiledBytes, what);
    if (whole) return;
    const MemoryLimit limit = availableMemory();
    ctx.note("ran in tiles of 512 pixels: " + what + " at once needs about " + formatBytes(wholeBytes) + ", and " +
             formatBytes(limit.bytes) + " is available (" + limit.source +
             "); the tiles' seams are blended, so the result can differ slightly from ComfyUI's whole run");
}

}  // namespace tessera::nodes
