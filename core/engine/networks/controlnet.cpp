#include "core/engine/networks/controlnet.h"

#include "core/common/error.h"
#include "core/engine/compute/torch_errors.h"
#include "core/engine/files/weights.h"

#include <ATen/ATen.h>

#include <sstream>

namespace tessera::engine {

namespace {

// cldm's input_hint_block: 8 convs (Sequential indices 0, 2, ..., 14, SiLU between); the 3rd, 5th
// and 7th have stride 2, giving the latent's 1/8 resolution.
constexpr int kHintConvs = 8;
bool hintConvIsStrided(int ordinal) { return ordinal == 2 || ordinal == 4 || ordinal == 6; }
std::string hintConvName(int ordinal) { return "input_hint_block." + std::to_string(2 * ordinal); }

}  // namespace

ControlNetConfig ControlNetConfig::infer(const Weights& w) {
    ControlNetConfig c;
    c.unet = UNetConfig::infer(w);
    c.unet.outChannels = 0;
    for (int i = 0; i < kHintConvs; ++i) {
        const at::Tensor weight = w(hintConvName(i) + ".weight");
        if (i == 0) c.hintChannels = int(weight.size(1));
        c.hintConvChannels.push_back(int(weight.size(0)));
    }
    if (w.hasModule(hintConvName(kHintConvs)))
        throw Error("ControlNet '" + w.prefix() + "': input_hint_block has more than " + std::to_string(kHintConvs) +
                    " convolutions, an unsupported layout");
    if (c.hintConvChannels.back() != c.unet.modelChannels)
        throw Error("ControlNet '" + w.prefix() + "': the hint block ends with " +
                    std::to_string(c.hintConvChannels.back()) + " channels, the network has " +
                    std::to_string(c.unet.modelChannels));
    return c;
}

ControlNet::ControlNet(const Weights& w) : config_(ControlNetConfig::infer(w)), encoder_(UNetEncoder::load(config_.unet, w)) {
    for (int i = 0; i < kHintConvs; ++i)
        hintConvs_.push_back(Conv2d::load(w.sub(hintConvName(i)), hintConvIsStrided(i) ? 2 : 1));
    for (int i = 0; i < encoder_.inputBlockCount(); ++i)
        zeroConvs_.push_back(Conv2d::load(w.sub("zero_convs." + std::to_string(i) + ".0")));
    middleOut_ = Conv2d::load(w.sub("middle_block_out.0"));
}

at::Tensor ControlNet::encodeHint(const at::Tensor& hint) const {
    if (!hint.defined() || hint.dim() != 4 || hint.size(1) != config_.hintChannels)
        throw Error("ControlNet hint must be an NCHW image with " + std::to_string(config_.hintChannels) +
                    " channels" + (hint.defined() ? ", got " + [&] { std::ostringstream s; s << hint.sizes(); return s.str(); }() : ""));
    try {
        at::Tensor h = hint.to(encoder_.device(), encoder_.dtype());
        for (size_t i = 0; i < hintConvs_.size(); ++i) {
            h = hintConvs_[i](h);
            if (i + 1 < hintConvs_.size()) h = at::silu(h);
        }
        return h;
    } catch (const c10::Error& e) {
        rethrowAsError("ControlNet hint encoder", e);
    }
}

ControlResiduals ControlNet::forward(const at::Tensor& x, const at::Tensor& hint, const at::Tensor& timesteps,
                                     const at::Tensor& context) const {
    return forwardEncoded(x, encodeHint(hint), timesteps, context);
}

ControlResiduals ControlNet::forwardEncoded(const at::Tensor& x, const at::Tensor& hintEmbedding,
                                            const at::Tensor& timesteps, const at::Tensor& context) const {
    const UNetInputs in = encoder_.prepare(x, timesteps, context, "ControlNet");
    const bool batchOk = hintEmbedding.dim() == 4 && (hintEmbedding.size(0) == 1 || hintEmbedding.size(0) == x.size(0));
    if (!batchOk || hintEmbedding.size(1) != config_.unet.modelChannels || hintEmbedding.size(2) != x.size(2) ||
        hintEmbedding.size(3) != x.size(3)) {
        std::ostringstream s;
        s << "ControlNet: the hint (embedded " << hintEmbedding.sizes() << ") does not match the latent " << x.sizes()
          << ": the hint image must be 8x the latent's size (" << x.size(2) * 8 << "x" << x.size(3) * 8
          << ") with batch 1 or " << x.size(0);
        throw Error(s.str());
    }
    try {
        ControlResiduals out;
        at::Tensor h = in.x;
        for (int i = 0; i < encoder_.inputBlockCount(); ++i) {
            h = encoder_.inputBlock(i, h, in);
            if (i == 0) h = h + hintEmbedding.to(h.device(), h.scalar_type());
            out.input.push_back(zeroConvs_[size_t(i)](h));
        }
        out.middle = middleOut_(encoder_.middleBlock(h, in));
        return out;
    } catch (const c10::Error& e) {
        rethrowAsError("ControlNet", e);
    }
}

}  // namespace tessera::engine
