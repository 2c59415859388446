// Latents: empty latents, VAE encode/decode (plain, tiled, for inpainting), noise masks and
// latent upscaling (to a size, or by a factor). Latents at node boundaries are unscaled (VAE space); inputs and their order
// follow ComfyUI's nodes.py.
#include "core/engine/networks/vae.h"
#include "nodes/bislerp.h"
#include "nodes/builtin_nodes.h"
#include "nodes/decl_helpers.h"
#include "nodes/engine_inputs.h"
#include "nodes/latent_inputs.h"
#include "nodes/memory_estimates.h"
#include "nodes/model_cache.h"
#include "nodes/values.h"

#include <ATen/ATen.h>

#include <cmath>

namespace tessera::nodes {
namespace {

// Python's round(): halves go to the even neighbour.
int64_t pyRound(double v) { return static_cast<int64_t>(std::nearbyint(v)); }

std::string decodingText(const engine::Vae& vae, const at::Tensor& z) {
    const int64_t m = vae.downscale();
    return "decoding " + std::to_string(z.size(0)) + " image(s) of " + std::to_string(z.size(3) * m) + "x" +
           std::to_string(z.size(2) * m) + " pixels";
}

void requireDecodeMemory(const NodeContext& ctx, const engine::Vae& vae, const at::Tensor& z, int64_t tileCells) {
    requireNodeMemory(ctx, vaeDecodeBytes(vae.config(), z.size(0), z.size(2), z.size(3), vaeElementBytes(ctx), tileCells),
                      decodingText(vae, z));
}

NodeDecl emptyLatentImage() {
    NodeDecl d = makeDecl("EmptyLatentImage", "Empty Latent Image", "latent",
                          "A batch of blank latents for text-to-image (the size is in pixels).");
    d.inputs = {intInput("width", 512, 16, kMaxLatentResolution, 8), intInput("height", 512, 16, kMaxLatentResolution, 8),
                intInput("batch_size", 1, 1, 4096)};
    d.outputs = {output("LATENT", "LATENT")};
    d.run = [](NodeContext& ctx) {
        const int64_t w = ctx.getInt("width"), h = ctx.getInt("height"), b = ctx.getInt("batch_size");
        if (w < 8 || h < 8 || b < 1) ctx.fail("width and height must be at least 8 and batch_size at least 1");
        requireNodeMemory(ctx, float32Bytes(b, 4, h / 8, w / 8),
                          "a " + dimsText(b, 4, h / 8, w / 8) + " latent (" + std::to_string(w) + "x" + std::to_string(h) +
                              " pixels, batch " + std::to_string(b) + ")");
        return std::vector<Value>{std::make_shared<LatentValue>(at::zeros({b, 4, h / 8, w / 8}, at::kFloat))};
    };
    return d;
}

NodeDecl vaeEncode() {
    NodeDecl d = makeDecl("VAEEncode", "VAE Encode", "latent",
                          "Encodes an image into a latent. Sides that are not multiples of 8 are cropped evenly.");
    d.inputs = {port("pixels", "IMAGE"), port("vae", "VAE")};
    d.outputs = {output("LATENT", "LATENT")};
    d.run = [](NodeContext& ctx) {
        auto vae = vaeInput(ctx, "vae");
        return std::vector<Value>{std::make_shared<LatentValue>(encodeImage(ctx, *vae, imageInput(ctx, "pixels")))};
    };
    return d;
}

NodeDecl vaeDecode() {
    NodeDecl d = makeDecl("VAEDecode", "VAE Decode", "latent",
                          "Decodes a latent into an image.");
    d.inputs = {port("samples", "LATENT"), port("vae", "VAE")};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor z = latentInput(ctx, "samples");
        auto vae = vaeInput(ctx, "vae");
        const int64_t batch = z.size(0), h = z.size(2), w = z.size(3), elementBytes = vaeElementBytes(ctx);
        const bool whole = vaeDecodesWhole(vae->config(), batch, h, w, elementBytes);
        requireVaeMemory(ctx, whole, vaeDecodeBytes(vae->config(), batch, h, w, elementBytes, 0),
                         vaeDecodeBytes(vae->config(), batch, h, w, elementBytes, 64), decodingText(*vae, z));
        return std::vector<Value>{std::make_shared<ImageValue>(decodedToImage(vae->decodeWholeOrTiled(z, whole)))};
    };
    return d;
}

// The tiled VAE nodes' inputs: what they take, the VAE, then ComfyUI's tile and (video-only) temporal widgets.
std::vector<InputDecl> tiledVaeInputs(InputDecl taken, int64_t tileStep) {
    return {std::move(taken),
            port("vae", "VAE"),
            intInput("tile_size", 512, 64, 4096, tileStep),
            intInput("overlap", 64, 0, 4096, 32),
            intInput("temporal_size", 64, 8, 4096, 4),
            intInput("temporal_overlap", 8, 4, 4096, 4)};
}

// ComfyUI's rule: an overlap above a quarter of the tile becomes a quarter, so the tiles advance.
int64_t tileOverlap(const NodeContext& ctx) {
    const int64_t tile = ctx.getInt("tile_size"), overlap = ctx.getInt("overlap");
    return tile < overlap * 4 ? tile / 4 : overlap;
}

NodeDecl vaeDecodeTiled() {
    NodeDecl d = makeDecl("VAEDecodeTiled", "VAE Decode (Tiled)", "_for_testing",
                          "Decodes a latent tile by tile (sizes in pixels), for images too large to decode at once. "
                          "The temporal inputs are for video VAEs and have no effect here.");
    d.inputs = tiledVaeInputs(port("samples", "LATENT"), 32);
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor z = latentInput(ctx, "samples");
        auto vae = vaeInput(ctx, "vae");
        const int64_t tile = ctx.getInt("tile_size"), overlap = tileOverlap(ctx);
        const int scale = vae->downscale();
        requireDecodeMemory(ctx, *vae, z, std::max<int64_t>(1, tile / scale));
        const at::Tensor image = vae->decodeTiled(z, static_cast<int>(tile / scale), static_cast<int>(overlap / scale));
        return std::vector<Value>{std::make_shared<ImageValue>(decodedToImage(image))};
    };
    return d;
}

NodeDecl vaeEncodeTiled() {
    NodeDecl d = makeDecl("VAEEncodeTiled", "VAE Encode (Tiled)", "_for_testing",
                          "Encodes an image tile by tile (sizes in pixels), for images too large to encode at once. "
                          "Sides that are not multiples of 8 are cropped evenly. The temporal inputs are for video "
                          "VAEs and have no effect here.");
    d.inputs = tiledVaeInputs(port("pixels", "IMAGE"), 64);
    d.outputs = {output("LATENT", "LATENT")};
    d.run = [](NodeContext& ctx) {
        auto vae = vaeInput(ctx, "vae");
        const int64_t tile = ctx.getInt("tile_size"), overlap = tileOverlap(ctx);
        return std::vector<Value>{
            std::make_shared<LatentValue>(encodeImageTiled(ctx, *vae, imageInput(ctx, "pixels"), tile, overlap))};
    };
    return d;
}

NodeDecl vaeEncodeForInpaint() {
    NodeDecl d = makeDecl("VAEEncodeForInpaint", "VAE Encode (for Inpainting)", "latent/inpaint",
                          "Encodes an image with the masked area greyed out and sets the (grown) mask as the noise mask: "
                          "use with denoise 1.0.");
    d.inputs = {port("pixels", "IMAGE"), port("vae", "VAE"), port("mask", "MASK"), intInput("grow_mask_by", 6, 0, 64)};
    d.outputs = {output("LATENT", "LATENT")};
    d.run = [](NodeContext& ctx) {
        auto vae = vaeInput(ctx, "vae");
        const InpaintPixels in = prepareInpaintPixels(ctx, imageInput(ctx, "pixels"), maskInput(ctx, "mask"));
        const int64_t grow = ctx.getInt("grow_mask_by");
        at::Tensor grown = in.mask;
        if (grow > 0) {
            const at::Tensor kernel = at::ones({1, 1, grow, grow}, at::kFloat);
            const int64_t padding = grow / 2;  // ceil((grow - 1) / 2)
            grown = at::conv2d(in.mask.round(), kernel, {}, 1, padding).clamp(0.0, 1.0);
            grown = grown.narrow(2, 0, in.mask.size(2)).narrow(3, 0, in.mask.size(3));
        }
        auto latent = std::make_shared<LatentValue>(encodeImage(ctx, *vae, in.greyed));
        latent->noiseMask = grown.round();
        return std::vector<Value>{latent};
    };
    return d;
}

NodeDecl setLatentNoiseMask() {
    NodeDecl d = makeDecl("SetLatentNoiseMask", "Set Latent Noise Mask", "latent/inpaint",
                          "Limits sampling to the mask's area (1 = repaint); the rest of the latent is kept.");
    d.inputs = {port("samples", "LATENT"), port("mask", "MASK")};
    d.outputs = {output("LATENT", "LATENT")};
    d.run = [](NodeContext& ctx) {
        auto in = ctx.get<LatentValue>("samples");
        const at::Tensor mask = maskInput(ctx, "mask");
        checkMaskBatch(ctx, mask.size(0), in->samples.size(0), "latent batch");
        auto out = std::make_shared<LatentValue>(*in);
        out->noiseMask = mask.reshape({-1, 1, mask.size(-2), mask.size(-1)});
        return std::vector<Value>{out};
    };
    return d;
}

// comfy.utils.common_upscale for latents: optional centre crop to the new aspect, then resize.
at::Tensor upscaleLatent(const NodeContext& ctx, at::Tensor s, int64_t width, int64_t height, const std::string& method,
                         const std::string& crop) {
    requireNodeMemory(ctx, float32Bytes(s.size(0), s.size(1), height, width),
                      "a " + dimsText(s.size(0), s.size(1), height, width) + " latent (" + std::to_string(width * 8) + "x" +
                          std::to_string(height * 8) + " pixels)");
    if (crop == "center") {
        const int64_t oldW = s.size(3), oldH = s.size(2);
        const double oldAspect = double(oldW) / double(oldH), newAspect = double(width) / double(height);
        int64_t x = 0, y = 0;
        if (oldAspect > newAspect) x = pyRound((oldW - oldW * (newAspect / oldAspect)) / 2);
        else if (oldAspect < newAspect) y = pyRound((oldH - oldH * (oldAspect / newAspect)) / 2);
        s = s.narrow(2, y, oldH - y * 2).narrow(3, x, oldW - x * 2);
    }
    if (method == "nearest-exact") return at::_upsample_nearest_exact2d(s, {height, width});
    if (method == "bilinear") return at::upsample_bilinear2d(s, {height, width}, false);
    if (method == "area") return at::adaptive_avg_pool2d(s, {height, width});
    if (method == "bicubic") return at::upsample_bicubic2d(s, {height, width}, false);
    if (method == "bislerp") return bislerp(s, width, height);
    ctx.fail("upscale_method '" + method + "' is not supported; use nearest-exact, bilinear, area, bicubic or bislerp");
}

NodeDecl latentUpscale() {
    NodeDecl d = makeDecl("LatentUpscale", "Upscale Latent", "latent",
                          "Resizes a latent to a size in pixels (0 for one side keeps the aspect ratio).");
    d.inputs = {port("samples", "LATENT"),
                comboInput("upscale_method", {"nearest-exact", "bilinear", "area", "bicubic", "bislerp"}),
                intInput("width", 512, 0, kMaxLatentResolution, 8),
                intInput("height", 512, 0, kMaxLatentResolution, 8),
                comboInput("crop", {"disabled", "center"})};
    d.outputs = {output("LATENT", "LATENT")};
    d.run = [](NodeContext& ctx) {
        auto in = ctx.get<LatentValue>("samples");
        const at::Tensor s = latentInput(ctx, "samples");
        int64_t width = ctx.getInt("width"), height = ctx.getInt("height");
        if (width == 0 && height == 0) return std::vector<Value>{in};
        if (width == 0) {
            height = std::max<int64_t>(64, height);
            width = std::max<int64_t>(64, pyRound(double(s.size(3)) * double(height) / double(s.size(2))));
        } else if (height == 0) {
            width = std::max<int64_t>(64, width);
            height = std::max<int64_t>(64, pyRound(double(s.size(2)) * double(width) / double(s.size(3))));
        } else {
            width = std::max<int64_t>(64, width);
            height = std::max<int64_t>(64, height);
        }
        // The noise mask is resized to the latent when sampling, as in ComfyUI.
        return std::vector<Value>{
            latentLike(*in, upscaleLatent(ctx, s, width / 8, height / 8, ctx.getString("upscale_method"), ctx.getString("crop")))};
    };
    return d;
}

NodeDecl latentUpscaleBy() {
    NodeDecl d = makeDecl("LatentUpscaleBy", "Upscale Latent By", "latent",
                          "Resizes a latent by a factor (each side rounded to the nearest cell).");
    d.inputs = {port("samples", "LATENT"),
                comboInput("upscale_method", {"nearest-exact", "bilinear", "area", "bicubic", "bislerp"}),
                floatInput("scale_by", 1.5, 0.01, 8.0, 0.01)};
    d.outputs = {output("LATENT", "LATENT")};
    d.run = [](NodeContext& ctx) {
        auto in = ctx.get<LatentValue>("samples");
        const at::Tensor s = latentInput(ctx, "samples");
        const double scale = ctx.getFloat("scale_by");
        const int64_t width = pyRound(double(s.size(3)) * scale), height = pyRound(double(s.size(2)) * scale);
        if (width < 1 || height < 1)
            ctx.fail("scale_by " + Value(scale).describe() + " makes the " + std::to_string(s.size(3)) + "x" +
                     std::to_string(s.size(2)) + " latent smaller than one cell; use a larger factor");
        return std::vector<Value>{latentLike(*in, upscaleLatent(ctx, s, width, height, ctx.getString("upscale_method"), "disabled"))};
    };
    return d;
}

}  // namespace

void registerLatentNodes(Registry& registry) {
    registry.add(emptyLatentImage());
    registry.add(vaeEncode());
    registry.add(vaeDecode());
    registry.add(vaeDecodeTiled());
    registry.add(vaeEncodeTiled());
    registry.add(vaeEncodeForInpaint());
    registry.add(setLatentNoiseMask());
    registry.add(latentUpscale());
    registry.add(latentUpscaleBy());
}

}  // namespace tessera::nodes
