#include "core/engine/networks/t2i_adapter.h"

#include "core/common/error.h"
#include "core/engine/compute/torch_errors.h"
#include "core/engine/files/weights.h"

#include <ATen/ATen.h>

#include <sstream>

namespace tessera::engine {

namespace {

std::string adapterBody(int i) { return "body." + std::to_string(i); }

int adapterBodyCount(const Weights& w) {
    int n = 0;
    while (w.hasModule(adapterBody(n))) ++n;
    return n;
}

Conv2d adapterOptionalConv(const Weights& w, const std::string& module, int64_t stride = 1) {
    return w.has(module + ".weight") ? Conv2d::load(w.sub(module), stride) : Conv2d{};
}

// ComfyUI's Downsample without a conv: 2x2 average pooling, zero-padded (and counted) on odd sides.
at::Tensor adapterAveragePool(const at::Tensor& x) {
    return at::avg_pool2d(x, {2, 2}, {2, 2}, {x.size(2) % 2, x.size(3) % 2}, false, true);
}

std::string adapterShapeText(const at::Tensor& t) {
    std::ostringstream s;
    s << t.sizes();
    return s.str();
}

}  // namespace

T2IAdapterConfig T2IAdapterConfig::infer(const Weights& w, const std::string& name) {
    T2IAdapterConfig c;
    const int bodies = adapterBodyCount(w);
    int convInput = 0;
    if (w.has("conv_in.weight")) {
        c.kind = Kind::Full;
        convInput = int(w("conv_in.weight").size(1));
        if (bodies == 0 || bodies % c.blocksPerLevel != 0)
            throw Error("T2I-Adapter '" + name + "': " + std::to_string(bodies) + " body blocks, expected 2 per level");
        for (int level = 0; level < bodies / c.blocksPerLevel; ++level)
            c.channels.push_back(int(w(adapterBody(level * c.blocksPerLevel) + ".block1.weight").size(0)));
        for (const std::string& key : w.keys())
            if (key.size() >= 18 && key.compare(key.size() - 18, 18, "down_opt.op.weight") == 0) c.convDownsample = true;
    } else if (w.has("body.0.in_conv.weight") && w.has("body.0.out_conv.weight")) {
        c.kind = Kind::Light;
        convInput = int(w("body.0.in_conv.weight").size(1));
        c.blocksPerLevel = 0;
        while (w.hasModule("body.0.body." + std::to_string(c.blocksPerLevel))) ++c.blocksPerLevel;
        for (int level = 0; level < bodies; ++level)
            c.channels.push_back(int(w(adapterBody(level) + ".out_conv.weight").size(0)));
    } else {
        throw Error("'" + name + "' is not a T2I-Adapter (no conv_in or body.0.in_conv weights)");
    }
    if (convInput == 256 || convInput == 768)
        throw Error("T2I-Adapter '" + name + "' is an SDXL adapter (" + std::to_string(convInput) +
                    " input channels after a 16x pixel unshuffle); only SD1.x/SD2.x adapters are supported");
    if (convInput % (c.unshuffle * c.unshuffle) != 0)
        throw Error("T2I-Adapter '" + name + "': its first conv takes " + std::to_string(convInput) +
                    " channels, not a multiple of 64 (8x8 pixel unshuffle)");
    c.imageChannels = convInput / (c.unshuffle * c.unshuffle);
    return c;
}

T2IAdapter::T2IAdapter(const Weights& w, const std::string& name) : config_(T2IAdapterConfig::infer(w, name)), name_(name) {
    try {
        if (config_.kind == T2IAdapterConfig::Kind::Full) convIn_ = Conv2d::load(w.sub("conv_in"));
        for (size_t level = 0; level < config_.channels.size(); ++level) {
            std::vector<Stage> stages;
            const bool full = config_.kind == T2IAdapterConfig::Kind::Full;
            const int stageCount = full ? config_.blocksPerLevel : 1;
            for (int j = 0; j < stageCount; ++j) {
                const Weights bw = w.sub(adapterBody(full ? int(level) * stageCount + j : int(level)));
                Stage s;
                s.downsample = level > 0 && j == 0;
                if (s.downsample && full) s.downConv = adapterOptionalConv(bw, "down_opt.op", 2);
                s.inConv = adapterOptionalConv(bw, "in_conv");
                if (full) {
                    s.resnets.push_back({Conv2d::load(bw.sub("block1")), Conv2d::load(bw.sub("block2")),
                                         adapterOptionalConv(bw, "skep")});
                } else {
                    for (int k = 0; k < config_.blocksPerLevel; ++k) {
                        const Weights rw = bw.sub("body." + std::to_string(k));
                        s.resnets.push_back({Conv2d::load(rw.sub("block1")), Conv2d::load(rw.sub("block2")), Conv2d{}});
                    }
                    s.outConv = Conv2d::load(bw.sub("out_conv"));
                }
                stages.push_back(std::move(s));
            }
            levels_.push_back(std::move(stages));
        }
    } catch (const Error& e) {
        throw Error("T2I-Adapter '" + name + "': " + e.what());
    }
}

at::Tensor T2IAdapter::runStage(const Stage& stage, at::Tensor x) const {
    if (stage.downsample) x = stage.downConv.weight.defined() ? stage.downConv(x) : adapterAveragePool(x);
    if (stage.inConv.weight.defined()) x = stage.inConv(x);
    for (const Resnet& r : stage.resnets) {
        const at::Tensor h = r.block2(at::relu(r.block1(x)));
        x = h + (r.skip.weight.defined() ? r.skip(x) : x);
    }
    if (stage.outConv.weight.defined()) x = stage.outConv(x);
    return x;
}

std::vector<at::Tensor> T2IAdapter::features(const at::Tensor& hint) const {
    const bool shapeOk = hint.defined() && hint.dim() == 4 && hint.size(2) % config_.unshuffle == 0 &&
                         hint.size(3) % config_.unshuffle == 0 &&
                         (hint.size(1) == config_.imageChannels || (config_.imageChannels == 1 && hint.size(1) > 1));
    if (!shapeOk)
        throw Error("T2I-Adapter '" + name_ + "': the hint must be an NCHW image with " +
                    std::to_string(config_.imageChannels) + " channel(s) and a size that is a multiple of " +
                    std::to_string(config_.unshuffle) + (hint.defined() ? ", got " + adapterShapeText(hint) : ""));
    try {
        const at::Tensor& weight = levels_.front().front().resnets.front().block1.weight;
        at::Tensor x = hint.to(weight.device(), weight.scalar_type());
        if (config_.imageChannels == 1 && x.size(1) > 1) x = x.mean(1, true);  // ComfyUI's get_control
        x = at::pixel_unshuffle(x, config_.unshuffle);
        if (convIn_.weight.defined()) x = convIn_(x);
        std::vector<at::Tensor> out;
        for (const auto& stages : levels_) {
            for (const Stage& s : stages) x = runStage(s, x);
            out.push_back(x);
        }
        return out;
    } catch (const c10::Error& e) {
        rethrowAsError("T2I-Adapter '" + name_ + "'", e);
    }
}

ControlResiduals T2IAdapter::forward(const at::Tensor&, const at::Tensor& hint, const at::Tensor&,
                                     const at::Tensor&) const {
    // The sampler's hint is the image expanded to the latent's batch: one row is enough then.
    const bool oneImage = hint.dim() == 4 && hint.size(0) > 1 && hint.stride(0) == 0;
    ControlResiduals r;
    r.levelFeatures = features(oneImage ? hint.narrow(0, 0, 1) : hint);
    return r;
}

}  // namespace tessera::engine
