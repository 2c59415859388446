#include "core/engine/networks/taesd.h"

#include "core/common/error.h"
#include "core/engine/compute/shape_text.h"
#include "core/engine/files/tensor_file.h"
#include "core/engine/files/weights.h"

#include <ATen/ATen.h>

#include <sstream>

namespace tessera::engine {
namespace {

// Indices of the decoder's nn.Sequential (taesd.py Decoder); the gaps are Clamp, ReLU and Upsample.
constexpr int kFirstConv = 1;
constexpr int kLastConv = 19;
struct StageLayout {
    int upConv;  // -1: the first stage has no upsampling
    std::vector<int> blocks;
};
const std::vector<StageLayout>& stageLayout() {
    static const std::vector<StageLayout> layout = {
        {-1, {3, 4, 5}}, {7, {8, 9, 10}}, {12, {13, 14, 15}}, {17, {18}}};
    return layout;
}

// A 3x3 (or 1x1) convolution reading `inChannels`, with or without bias as taesd.py builds it.
Conv2d loadConv(const Weights& w, const std::string& module, int64_t inChannels, int64_t kernel, bool bias) {
    const Weights m = w.sub(module);
    Conv2d c = Conv2d::load(m);
    const at::Tensor& k = c.weight;
    if (k.size(1) != inChannels || k.size(2) != kernel || k.size(3) != kernel)
        throw Error("TAESD weight '" + m.fullName("weight") + "' has shape " + shapeText(k.sizes()) + ", expected [N, " +
                    std::to_string(inChannels) + ", " + std::to_string(kernel) + ", " + std::to_string(kernel) + "]");
    if (bias) {
        c.bias = m("bias");
        if (c.bias.dim() != 1 || c.bias.size(0) != k.size(0))
            throw Error("TAESD weight '" + m.fullName("bias") + "' has shape " + shapeText(c.bias.sizes()) +
                        ", expected [" + std::to_string(k.size(0)) + "]");
    }
    return c;
}

at::Tensor upsampleNearest2x(const at::Tensor& x) {
    return at::upsample_nearest2d(x, {x.size(2) * 2, x.size(3) * 2});
}

}  // namespace

TaesdDecoder::Block TaesdDecoder::loadBlock(const Weights& w, int index, int64_t inChannels) {
    const std::string name = std::to_string(index);
    Block b;
    b.conv0 = loadConv(w, name + ".conv.0", inChannels, 3, true);
    const int64_t width = b.conv0.outChannels();
    b.conv1 = loadConv(w, name + ".conv.2", width, 3, true);
    b.conv2 = loadConv(w, name + ".conv.4", width, 3, true);
    if (b.conv1.outChannels() != width || b.conv2.outChannels() != width)
        throw Error("TAESD block '" + w.fullName(name) + "': its convolutions should all have " + std::to_string(width) +
                    " output channels");
    if (w.has(name + ".skip.weight")) {
        b.skip = loadConv(w, name + ".skip", inChannels, 1, false);
        if (b.skip->outChannels() != width)
            throw Error("TAESD weight '" + w.fullName(name + ".skip.weight") + "' should have " +
                        std::to_string(width) + " output channels");
    } else if (inChannels != width) {
        throw Error("missing weight '" + w.fullName(name + ".skip.weight") + "' (block " + name + " changes width from " +
                    std::to_string(inChannels) + " to " + std::to_string(width) + ")");
    }
    return b;
}

TaesdDecoder::TaesdDecoder(const Weights& w) {
    const at::Tensor firstWeight = w(std::to_string(kFirstConv) + ".weight");
    if (firstWeight.dim() != 4)
        throw Error("TAESD weight '" + w.fullName("1.weight") + "' should be a 4-D convolution kernel, it has shape " +
                    shapeText(firstWeight.sizes()));
    first_ = loadConv(w, std::to_string(kFirstConv), firstWeight.size(1), 3, true);
    int64_t channels = first_.outChannels();
    for (const StageLayout& layout : stageLayout()) {
        Stage stage;
        if (layout.upConv >= 0) {
            stage.upConv = loadConv(w, std::to_string(layout.upConv), channels, 3, false);
            channels = stage.upConv->outChannels();
        }
        for (int index : layout.blocks) {
            stage.blocks.push_back(loadBlock(w, index, channels));
            channels = stage.blocks.back().conv0.outChannels();
        }
        stages_.push_back(std::move(stage));
    }
    last_ = loadConv(w, std::to_string(kLastConv), channels, 3, true);
}

at::Tensor TaesdDecoder::Block::operator()(const at::Tensor& x) const {
    const at::Tensor h = conv2(at::relu(conv1(at::relu(conv0(x)))));
    return at::relu(h + (skip ? (*skip)(x) : x));
}

at::Tensor TaesdDecoder::forward(const at::Tensor& scaledLatent) const {
    if (!scaledLatent.defined() || scaledLatent.dim() != 4)
        throw Error("TAESD decoder: expected a latent [batch, channels, h, w]");
    if (scaledLatent.size(1) != latentChannels())
        throw Error("TAESD decoder: the latent has " + std::to_string(scaledLatent.size(1)) +
                    " channels, the decoder expects " + std::to_string(latentChannels()) +
                    " (a TAESD file for another model family?)");
    at::Tensor x = scaledLatent.to(first_.weight.device(), at::kFloat);
    x = at::tanh(x / 3.0) * 3.0;
    x = at::relu(first_(x));
    for (const Stage& stage : stages_) {
        if (stage.upConv) x = (*stage.upConv)(upsampleNearest2x(x));
        for (const Block& block : stage.blocks) x = block(x);
    }
    return last_(x);
}

at::Tensor TaesdDecoder::decode(const at::Tensor& scaledLatent) const { return forward(scaledLatent).clamp(0.0, 1.0); }

TaesdDecoder TaesdDecoder::to(const at::Device& device) const {
    auto move = [&](Conv2d c) {
        c.weight = c.weight.to(device);
        if (c.bias.defined()) c.bias = c.bias.to(device);
        return c;
    };
    TaesdDecoder out;
    out.first_ = move(first_);
    out.last_ = move(last_);
    for (const Stage& s : stages_) {
        Stage moved;
        if (s.upConv) moved.upConv = move(*s.upConv);
        for (const Block& b : s.blocks) {
            Block mb{move(b.conv0), move(b.conv1), move(b.conv2), std::nullopt};
            if (b.skip) mb.skip = move(*b.skip);
            moved.blocks.push_back(std::move(mb));
        }
        out.stages_.push_back(std::move(moved));
    }
    return out;
}

std::shared_ptr<const TaesdDecoder> loadTaesdDecoderFile(const std::string& path) {
    auto file = openTensorFile(path);
    std::string prefix;
    bool found = false;
    for (const char* candidate : {"", "decoder.", "taesd_decoder."}) {
        if (file->contains(std::string(candidate) + "1.weight")) {
            prefix = candidate;
            found = true;
            break;
        }
    }
    if (!found)
        throw Error("'" + path + "' is not a TAESD decoder: it has no weight '1.weight' (nor 'decoder.1.weight' or "
                    "'taesd_decoder.1.weight'); use madebyollin's taesd_decoder.safetensors");
    const Weights w = Weights::fromFile(*file, prefix);
    try {
        return std::make_shared<const TaesdDecoder>(w);
    } catch (const Error& e) {
        throw Error("'" + path + "' (TAESD decoder): " + e.what());
    }
}

}  // namespace tessera::engine
