#include "nodes/engine_inputs.h"

#include "core/engine/networks/vae.h"
#include "nodes/memory_estimates.h"
#include "nodes/model_cache.h"
#include "nodes/values.h"

#include <ATen/ATen.h>

#include <algorithm>

namespace tessera::nodes {
std::shared_ptr<const engine::Vae> vaeInput(const NodeContext& ctx, const std::string& name) {
    auto vae = ctx.get<VaeValue>(name)->vae;
    if (!vae)
        ctx.fail("input '" + name + "' holds no VAE (the checkpoint it comes from has none); load one with a "
                 "VAELoader node and connect that instead");
    return vae;
}

void checkMaskBatch(const NodeContext& ctx, int64_t maskBatch, int64_t batch, const std::string& what) {
    if (maskBatch == 1 || maskBatch == batch) return;
    ctx.fail("the mask batch has " + std::to_string(maskBatch) + " masks but the " + what + " has " +
             std::to_string(batch) + "; use one mask for all, or exactly one per " + what + " image");
}

at::Tensor cropToMultiple(const at::Tensor& t, int64_t hDim, int64_t multiple) {
    const int64_t h = t.size(hDim), w = t.size(hDim + 1);
    const int64_t hc = h / multiple * multiple, wc = w / multiple * multiple;
    if (hc == h && wc == w) return t;
    return t.narrow(hDim, (h % multiple) / 2, hc).narrow(hDim + 1, (w % multiple) / 2, wc);
}

namespace {

void noteCrop(const NodeContext& ctx, int64_t h, int64_t w, int64_t multiple) {
    const int64_t hc = h / multiple * multiple, wc = w / multiple * multiple;
    if (hc == h && wc == w) return;
    ctx.note("the image is " + std::to_string(w) + "x" + std::to_string(h) + " pixels and the VAE takes multiples of " +
             std::to_string(multiple) + ": its centre " + std::to_string(wc) + "x" + std::to_string(hc) +
             " was used, as ComfyUI does");
}

// The pixels as the VAE takes them, after ComfyUI's crop (noted): NHWC, cropped, not yet scaled.
at::Tensor croppedForVae(const NodeContext& ctx, const engine::Vae& vae, const at::Tensor& pixels) {
    const int64_t m = vae.downscale();
    if (pixels.size(1) < m || pixels.size(2) < m)
        ctx.fail("the image is " + std::to_string(pixels.size(2)) + "x" + std::to_string(pixels.size(1)) +
                 " pixels; the VAE needs at least " + std::to_string(m) + "x" + std::to_string(m));
    noteCrop(ctx, pixels.size(1), pixels.size(2), m);
    return cropToMultiple(pixels, 1, m);
}

std::string encodingText(const at::Tensor& cropped) {
    return "encoding " + std::to_string(cropped.size(0)) + " image(s) of " + std::to_string(cropped.size(2)) + "x" +
           std::to_string(cropped.size(1)) + " pixels";
}

at::Tensor scaledForVae(const at::Tensor& cropped) { return cropped.permute({0, 3, 1, 2}).contiguous() * 2.0 - 1.0; }

}  // namespace

int64_t vaeElementBytes(const NodeContext& ctx) {
    return int64_t(c10::elementSize(placementFor(ctx.env()).vaeDtype()));
}

at::Tensor encodeImage(const NodeContext& ctx, const engine::Vae& vae, const at::Tensor& pixels) {
    const at::Tensor cropped = croppedForVae(ctx, vae, pixels);
    const int64_t elementBytes = vaeElementBytes(ctx);
    const int64_t batch = cropped.size(0), h = cropped.size(1), w = cropped.size(2);
    const bool whole = vaeEncodesWhole(vae.config(), batch, h, w, elementBytes);
    requireVaeMemory(ctx, whole, vaeEncodeBytes(vae.config(), batch, h, w, elementBytes, 0),
                     vaeEncodeBytes(vae.config(), batch, h, w, elementBytes, 64), encodingText(cropped));
    return vae.encodeWholeOrTiled(scaledForVae(cropped), whole);
}

at::Tensor encodeImageTiled(const NodeContext& ctx, const engine::Vae& vae, const at::Tensor& pixels, int64_t tilePixels,
                            int64_t overlapPixels) {
    const at::Tensor cropped = croppedForVae(ctx, vae, pixels);
    const int64_t m = vae.downscale();
    requireNodeMemory(ctx,
                      vaeEncodeBytes(vae.config(), cropped.size(0), cropped.size(1), cropped.size(2), vaeElementBytes(ctx),
                                     std::max<int64_t>(1, tilePixels / m)),
                      encodingText(cropped));
    return vae.encodeTiled(scaledForVae(cropped), int(tilePixels), int(overlapPixels));
}

at::Tensor decodedToImage(const at::Tensor& decodedNchw) {
    return ((decodedNchw + 1.0) / 2.0).clamp(0.0, 1.0).permute({0, 2, 3, 1}).contiguous();
}

InpaintPixels prepareInpaintPixels(const NodeContext& ctx, const at::Tensor& pixels, const at::Tensor& mask) {
    checkMaskBatch(ctx, mask.size(0), pixels.size(0), "image batch");
    if (pixels.size(1) < 8 || pixels.size(2) < 8) ctx.fail("the image must be at least 8x8 pixels");
    at::Tensor m = mask.reshape({-1, 1, mask.size(-2), mask.size(-1)});
    if (m.size(2) != pixels.size(1) || m.size(3) != pixels.size(2))
        m = at::upsample_bilinear2d(m, {pixels.size(1), pixels.size(2)}, false);
    InpaintPixels out;
    noteCrop(ctx, pixels.size(1), pixels.size(2), 8);
    out.pixels = cropToMultiple(pixels, 1, 8);
    out.mask = cropToMultiple(m, 2, 8);
    const at::Tensor keep = (1.0 - out.mask.round()).squeeze(1).unsqueeze(-1);  // [Bm,H,W,1]
    out.greyed = (out.pixels - 0.5) * keep + 0.5;
    return out;
}

}  // namespace tessera::nodes
