#include "core/engine/networks/unet_encoder.h"

#include "core/common/error.h"
#include "core/engine/compute/device.h"
#include "core/engine/compute/shape_text.h"
#include "core/engine/files/weights.h"

#include <ATen/ATen.h>

#include <sstream>

namespace tessera::engine {

namespace {

void checkAdm(const at::Tensor& adm, const UNetConfig& config, int64_t batch, const std::string& what) {
    if (config.admInChannels == 0) {
        if (adm.defined())
            throw Error(what + " has no class/ADM embedding (label_emb) but was given an ADM vector " + shapeText(adm.sizes()));
        return;
    }
    if (!adm.defined() || adm.dim() != 2 || adm.size(1) != config.admInChannels ||
        (adm.size(0) != batch && adm.size(0) != 1))
        throw Error(what + " is class-conditioned (label_emb, e.g. SD2 unCLIP) and expects an ADM vector of shape [" +
                    std::to_string(batch) + ", " + std::to_string(config.admInChannels) + "], got " +
                    (adm.defined() ? shapeText(adm.sizes()) : "none"));
}

}  // namespace

UNetEncoder UNetEncoder::load(const UNetConfig& config, const Weights& w) {
    UNetEncoder e;
    e.config = config;
    e.timeEmbed1 = Linear::load(w.sub("time_embed.0"));
    e.timeEmbed2 = Linear::load(w.sub("time_embed.2"));
    if (config.admInChannels > 0) {
        e.labelEmbed1 = Linear::load(w.sub("label_emb.0.0"));
        e.labelEmbed2 = Linear::load(w.sub("label_emb.0.2"));
        if (e.labelEmbed1.weight.size(1) != config.admInChannels ||
            e.labelEmbed2.weight.size(0) != e.timeEmbed2.weight.size(0))
            throw Error("'" + w.fullName("label_emb.0.0.weight") + "' does not fit the time embedding (" +
                        config.describe() + ")");
    }
    e.inputConv = Conv2d::load(w.sub("input_blocks.0.0"));
    if (e.inputConv.inChannels() != config.inChannels || e.inputConv.outChannels() != config.modelChannels)
        throw Error("'" + w.fullName("input_blocks.0.0.weight") + "' has shape " + shapeText(e.inputConv.weight.sizes()) +
                    ", which does not match the configuration (" + config.describe() + ")");

    int block = 1;
    for (int level = 0; level < config.levels(); ++level) {
        const int channels = config.modelChannels * config.channelMult[level];
        for (int r = 0; r < config.numResBlocks; ++r, ++block) {
            const Weights bw = w.sub("input_blocks." + std::to_string(block));
            UNetStage stage;
            stage.layers.emplace_back(ResBlock::load(bw.sub("0")));
            if (config.hasAttention(level))
                stage.layers.emplace_back(SpatialTransformer::load(bw.sub("1"), config.headsFor(channels),
                                                                   config.transformerDepth, config.linearProjection));
            e.inputBlocks.push_back(std::move(stage));
        }
        if (level + 1 < config.levels()) {
            UNetStage stage;
            stage.layers.emplace_back(Downsample::load(w.sub("input_blocks." + std::to_string(block++) + ".0")));
            e.inputBlocks.push_back(std::move(stage));
        }
    }
    const int deepest = config.modelChannels * config.channelMult.back();
    e.middle.layers.emplace_back(ResBlock::load(w.sub("middle_block.0")));
    e.middle.layers.emplace_back(SpatialTransformer::load(w.sub("middle_block.1"), config.headsFor(deepest),
                                                          config.transformerDepth, config.linearProjection));
    e.middle.layers.emplace_back(ResBlock::load(w.sub("middle_block.2")));
    return e;
}

UNetInputs UNetEncoder::prepare(const at::Tensor& x, const at::Tensor& timesteps, const at::Tensor& context,
                                const std::string& what, const at::Tensor& adm) const {
    if (!x.defined() || x.dim() != 4)
        throw Error(what + ": the latent must be a 4-D NCHW tensor" + (x.defined() ? ", got " + shapeText(x.sizes()) : ""));
    const int64_t batch = x.size(0);
    if (x.size(1) != config.inChannels) {
        std::string hint = config.inChannels == 9 ? " (an inpainting model needs the noisy latent, the mask and the "
                                                    "masked-image latent concatenated: 4 + 1 + 4 channels)"
                                                  : "";
        throw Error(what + " expects " + std::to_string(config.inChannels) + " input channels but the latent has " +
                    std::to_string(x.size(1)) + hint);
    }
    if (x.size(2) < 1 || x.size(3) < 1) throw Error(what + ": the latent is empty " + shapeText(x.sizes()));
    if (!timesteps.defined() || (timesteps.numel() != batch && timesteps.numel() != 1))
        throw Error(what + ": expected " + std::to_string(batch) + " timesteps (one per latent), got " +
                    (timesteps.defined() ? shapeText(timesteps.sizes()) : "none"));
    if (!context.defined() || context.dim() != 3 || context.size(2) != config.contextDim ||
        (context.size(0) != batch && context.size(0) != 1))
        throw Error(what + " expects a conditioning context of shape [" + std::to_string(batch) + ", tokens, " +
                    std::to_string(config.contextDim) + "], got " + (context.defined() ? shapeText(context.sizes()) : "none") +
                    " (is the text encoder from the same model family?)");
    checkAdm(adm, config, batch, what);

    const at::ScalarType dt = dtype();
    const at::Device dev = device();
    UNetInputs in;
    in.x = toComputeLayout(x.to(dev, dt));
    const at::Tensor t = timesteps.reshape({-1}).expand({batch});
    const at::Tensor sinusoid = timestepEmbedding(t, config.modelChannels).to(dev, dt);  // float32, as ComfyUI
    in.emb = timeEmbed2(at::silu(timeEmbed1(sinusoid)));
    if (config.admInChannels > 0) in.emb = in.emb + labelEmbed2(at::silu(labelEmbed1(adm.to(dev, dt).expand({batch, -1}))));
    in.context = context.to(dev, dt).expand({batch, context.size(1), context.size(2)});
    return in;
}

at::Tensor UNetEncoder::inputBlock(int i, const at::Tensor& h, const UNetInputs& in) const {
    if (i == 0) return inputConv(h);
    return inputBlocks.at(size_t(i - 1)).forward(h, in.emb, in.context, attentionOptions, {}, in.transformerPatch);
}

at::Tensor UNetEncoder::middleBlock(const at::Tensor& h, const UNetInputs& in) const {
    return middle.forward(h, in.emb, in.context, attentionOptions, {}, in.transformerPatch);
}

}  // namespace tessera::engine
