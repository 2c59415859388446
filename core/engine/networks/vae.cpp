#include "core/engine/networks/vae.h"

#include "core/common/error.h"
#include "core/engine/compute/device.h"
#include "core/engine/compute/torch_errors.h"
#include "core/engine/networks/vae_blocks.h"

#include <ATen/ATen.h>

#include <algorithm>

namespace tessera::engine {

using namespace vae_blocks;

namespace {

std::string sizeText(int64_t w, int64_t h) { return std::to_string(w) + "x" + std::to_string(h); }

int64_t nearestMultiple(int64_t v, int64_t m) { return std::max<int64_t>(m, (v + m / 2) / m * m); }

}  // namespace

Vae::Vae(VaeConfig config, Weights weights) : config_(std::move(config)), w_(std::move(weights)) {
    if (config_.levels() < 1 || config_.ch <= 0 || config_.zChannels <= 0 || config_.numResBlocks <= 0)
        throw Error("invalid VAE configuration (no levels, channels or res blocks)");
    validateVaeWeights(config_, w_);
}

void Vae::checkImage(const at::Tensor& image, const char* what) const {
    if (image.dim() != 4 || image.size(1) != config_.inChannels)
        throw Error(std::string(what) + ": expected an NCHW image with " + std::to_string(config_.inChannels) +
                    " channels, got a tensor of shape " + std::string(c10::str(image.sizes())));
    const int64_t h = image.size(2), w = image.size(3), m = downscale();
    if (h % m != 0 || w % m != 0 || h == 0 || w == 0)
        throw Error(std::string(what) + ": the image is " + sizeText(w, h) + " pixels (width x height); both sides must be multiples of " +
                    std::to_string(m) + ". The nearest valid size is " + sizeText(nearestMultiple(w, m), nearestMultiple(h, m)) +
                    ": crop or resize the image first");
}

void Vae::checkLatent(const at::Tensor& z, const char* what) const {
    if (z.dim() != 4 || z.size(1) != config_.zChannels || z.size(2) == 0 || z.size(3) == 0)
        throw Error(std::string(what) + ": expected an NCHW latent with " + std::to_string(config_.zChannels) +
                    " channels, got a tensor of shape " + std::string(c10::str(z.sizes())) +
                    " (was it made for a different model family?)");
}

at::Tensor Vae::runEncoder(const at::Tensor& image) const {
    try {
        const Weights enc = w_.sub("encoder");
        at::Tensor h = conv(enc.sub("conv_in"), toComputeLayout(image.to(w_("encoder.conv_in.weight").options())));
        for (int i = 0; i < config_.levels(); ++i) {
            const Weights level = enc.sub("down." + std::to_string(i));
            for (int j = 0; j < config_.numResBlocks; ++j) h = resnetBlock(level.sub("block." + std::to_string(j)), h);
            if (i != config_.levels() - 1) h = downsample(level.sub("downsample"), h);
        }
        h = resnetBlock(enc.sub("mid.block_1"), h);
        if (config_.midAttention) h = attentionBlock(enc.sub("mid.attn_1"), h);
        h = resnetBlock(enc.sub("mid.block_2"), h);
        h = normalize(enc.sub("norm_out"), h, true);
        h = conv(enc.sub("conv_out"), h);
        return conv(w_.sub("quant_conv"), h, 1, 0).to(image.device(), image.scalar_type()).contiguous();
    } catch (const c10::Error& e) {
        rethrowAsError("VAE encode", e);
    }
}

at::Tensor Vae::runDecoder(const at::Tensor& z) const {
    try {
        const Weights dec = w_.sub("decoder");
        at::Tensor h = conv(w_.sub("post_quant_conv"), toComputeLayout(z.to(w_("post_quant_conv.weight").options())), 1, 0);
        h = conv(dec.sub("conv_in"), h);
        h = resnetBlock(dec.sub("mid.block_1"), h);
        if (config_.midAttention) h = attentionBlock(dec.sub("mid.attn_1"), h);
        h = resnetBlock(dec.sub("mid.block_2"), h);
        for (int i = config_.levels() - 1; i >= 0; --i) {
            const Weights level = dec.sub("up." + std::to_string(i));
            for (int j = 0; j <= config_.numResBlocks; ++j) h = resnetBlock(level.sub("block." + std::to_string(j)), h);
            if (i != 0) h = upsample(level.sub("upsample"), h);
        }
        h = normalize(dec.sub("norm_out"), h, true);
        return conv(dec.sub("conv_out"), h).to(z.device(), z.scalar_type()).contiguous();
    } catch (const c10::Error& e) {
        rethrowAsError("VAE decode", e);
    }
}

at::Tensor Vae::encodeMoments(const at::Tensor& image) const {
    checkImage(image, "VAE encode");
    return runEncoder(image);
}

at::Tensor Vae::encode(const at::Tensor& image) const {
    return encodeMoments(image).narrow(1, 0, config_.zChannels).contiguous();
}

at::Tensor Vae::decode(const at::Tensor& z) const {
    checkLatent(z, "VAE decode");
    return runDecoder(z);
}

}  // namespace tessera::engine
