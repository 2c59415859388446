#include "core/engine/networks/unet.h"

#include "core/common/error.h"
#include "core/engine/compute/torch_errors.h"
#include "core/engine/files/weights.h"

#include <ATen/ATen.h>

#include <sstream>

namespace tessera::engine {

namespace {

void checkResidual(const at::Tensor& residual, const at::Tensor& target, const std::string& which) {
    if (!residual.defined()) return;
    const bool batchOk = residual.size(0) == target.size(0) || residual.size(0) == 1;
    if (residual.dim() != 4 || !batchOk || residual.sizes().slice(1) != target.sizes().slice(1)) {
        std::ostringstream s;
        s << "ControlNet residual for " << which << " has shape " << residual.sizes() << " but the UNet has "
          << target.sizes() << " there (is the ControlNet for this model family and the hint for this size?)";
        throw Error(s.str());
    }
}

// T2I-Adapter features go after the last input block of each level (before its downsampling):
// input_blocks 2, 5, 8, 11 of SD1.x/SD2.x, where ComfyUI adds its control "input" entries.
int lastInputBlockOfLevel(const UNetConfig& config, int level) { return level * (config.numResBlocks + 1) + config.numResBlocks; }

void checkLevelFeatures(const std::vector<at::Tensor>& features, const UNetConfig& config) {
    if (int(features.size()) > config.levels())
        throw Error("T2I-Adapter gives " + std::to_string(features.size()) + " feature maps but the UNet has " +
                    std::to_string(config.levels()) + " resolution levels (adapter for another model family?)");
}

void checkLevelFeature(const at::Tensor& feature, const at::Tensor& target, int level) {
    const bool batchOk = feature.size(0) == target.size(0) || feature.size(0) == 1;
    if (feature.dim() != 4 || !batchOk || feature.sizes().slice(1) != target.sizes().slice(1)) {
        std::ostringstream s;
        s << "T2I-Adapter feature for level " << level << " has shape " << feature.sizes() << " but the UNet has "
          << target.sizes() << " there (is the adapter for this model family?)";
        throw Error(s.str());
    }
}

}  // namespace

UNet::UNet(const Weights& weights) : UNet(UNetConfig::infer(weights), weights) {}

UNet::UNet(const UNetConfig& config, const Weights& w) : encoder_(UNetEncoder::load(config, w)) {
    if (config.outChannels <= 0) throw Error("UNet configuration has no output channels (" + config.describe() + ")");
    int block = 0;
    for (int level = config.levels() - 1; level >= 0; --level) {
        const int channels = config.modelChannels * config.channelMult[level];
        for (int r = 0; r <= config.numResBlocks; ++r, ++block) {
            const Weights bw = w.sub("output_blocks." + std::to_string(block));
            UNetStage stage;
            stage.layers.emplace_back(ResBlock::load(bw.sub("0")));
            int next = 1;
            if (config.hasAttention(level))
                stage.layers.emplace_back(SpatialTransformer::load(bw.sub(std::to_string(next++)),
                                                                   config.headsFor(channels), config.transformerDepth,
                                                                   config.linearProjection));
            if (level > 0 && r == config.numResBlocks)
                stage.layers.emplace_back(Upsample::load(bw.sub(std::to_string(next))));
            outputBlocks_.push_back(std::move(stage));
        }
    }
    outNorm_ = GroupNorm::load(w.sub("out.0"), 1e-5);
    outConv_ = Conv2d::load(w.sub("out.2"));
    if (outConv_.outChannels() != config.outChannels)
        throw Error("'" + w.fullName("out.2.weight") + "' has " + std::to_string(outConv_.outChannels()) +
                    " output channels, the configuration says " + std::to_string(config.outChannels));
    numberTransformerBlocks();
}

void UNet::numberTransformerBlocks() {
    std::vector<UNetStage*> stages;
    for (UNetStage& s : encoder_.inputBlocks) stages.push_back(&s);
    stages.push_back(&encoder_.middle);
    for (UNetStage& s : outputBlocks_) stages.push_back(&s);
    for (UNetStage* stage : stages) {
        if (stage == &encoder_.middle) middleTransformers_.first = transformerBlocks_;
        for (UNetLayer& layer : stage->layers)
            if (auto* t = std::get_if<SpatialTransformer>(&layer)) {
                // One index per SpatialTransformer, shared by its blocks, as ComfyUI counts.
                for (TransformerBlock& block : t->blocks) block.index = transformerBlocks_;
                ++transformerBlocks_;
            }
        if (stage == &encoder_.middle) middleTransformers_.second = transformerBlocks_;
    }
}

at::Tensor UNet::forward(const at::Tensor& x, const at::Tensor& timesteps, const at::Tensor& context,
                         const ControlResiduals* control, const at::Tensor& adm, const TransformerPatch* patch,
                         std::span<const FreeU> freeU) const {
    UNetInputs in = encoder_.prepare(x, timesteps, context, "UNet", adm);
    in.transformerPatch = patch;
    if (control && !control->input.empty() && int(control->input.size()) != encoder_.inputBlockCount())
        throw Error("ControlNet gives " + std::to_string(control->input.size()) + " residuals but the UNet has " +
                    std::to_string(encoder_.inputBlockCount()) + " input blocks (ControlNet for another model family?)");
    try {
        std::vector<at::Tensor> skips;
        at::Tensor h = in.x;
        const UNetConfig& config = encoder_.config;
        const std::vector<at::Tensor> noFeatures;
        const std::vector<at::Tensor>& features = control ? control->levelFeatures : noFeatures;
        checkLevelFeatures(features, config);
        for (int i = 0, level = 0; i < encoder_.inputBlockCount(); ++i) {
            h = encoder_.inputBlock(i, h, in);
            if (level < int(features.size()) && i == lastInputBlockOfLevel(config, level)) {
                if (features[size_t(level)].defined()) {
                    checkLevelFeature(features[size_t(level)], h, level);
                    h = h + features[size_t(level)].to(h.device(), h.scalar_type());
                }
                ++level;
            }
            skips.push_back(h);
        }
        h = encoder_.middleBlock(h, in);
        if (control && control->middle.defined()) {
            checkResidual(control->middle, h, "the middle block");
            h = h + control->middle.to(h.device(), h.scalar_type());
        }
        return decode(h, skips, in, control, freeU).to(x.device(), x.scalar_type()).contiguous();
    } catch (const c10::Error& e) {
        rethrowAsError("UNet", e);
    }
}

at::Tensor UNet::decode(at::Tensor h, std::vector<at::Tensor>& skips, const UNetInputs& in,
                        const ControlResiduals* control, std::span<const FreeU> freeU) const {
    const bool withControl = control && !control->input.empty();
    for (const UNetStage& stage : outputBlocks_) {
        const size_t i = skips.size() - 1;
        at::Tensor skip = skips[i];
        skips.pop_back();
        if (withControl && control->input[i].defined()) {
            checkResidual(control->input[i], skip, "input block " + std::to_string(i));
            skip = skip + control->input[i].to(skip.device(), skip.scalar_type());
        }
        for (const FreeU& settings : freeU) applyFreeU(settings, encoder_.config.modelChannels, h, skip);
        h = at::cat({h, skip}, 1);
        // An Upsample in this stage must land on the next skip's size (odd latent sizes).
        at::IntArrayRef upsampleTo = skips.empty() ? at::IntArrayRef() : skips.back().sizes().slice(2);
        h = stage.forward(h, in.emb, in.context, encoder_.attentionOptions, upsampleTo, in.transformerPatch);
    }
    return outConv_(at::silu(outNorm_(h)));
}

}  // namespace tessera::engine
