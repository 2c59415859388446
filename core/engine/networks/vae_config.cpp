#include "core/engine/networks/vae.h"

#include "core/common/error.h"
#include "core/engine/compute/shape_text.h"
#include "core/engine/networks/vae_blocks.h"

#include <ATen/ATen.h>

namespace tessera::engine {
namespace {

at::Tensor required(const Weights& w, const std::string& key) {
    if (auto t = w.find(key)) return *t;
    throw Error("not an ldm-style VAE: missing weight '" + w.fullName(key) +
                "' (expected encoder.*, decoder.*, quant_conv.* and post_quant_conv.*)");
}

int countIndexed(const Weights& w, const std::string& module) {
    int n = 0;
    while (w.hasModule(module + "." + std::to_string(n))) ++n;
    return n;
}

}  // namespace

VaeConfig VaeConfig::infer(const Weights& w) {
    VaeConfig c;
    const at::Tensor convIn = required(w, "encoder.conv_in.weight");
    c.ch = static_cast<int>(convIn.size(0));
    c.inChannels = static_cast<int>(convIn.size(1));
    c.outChannels = static_cast<int>(required(w, "decoder.conv_out.weight").size(0));
    c.zChannels = static_cast<int>(required(w, "post_quant_conv.weight").size(0));

    const int levels = countIndexed(w, "encoder.down");
    if (levels == 0) throw Error("not an ldm-style VAE: no '" + w.fullName("encoder.down.0.*") + "' weights");
    c.numResBlocks = countIndexed(w, "encoder.down.0.block");
    c.chMult.clear();
    for (int i = 0; i < levels; ++i) {
        const std::string key = "encoder.down." + std::to_string(i) + ".block.0.conv2.weight";
        const int64_t out = required(w, key).size(0);
        if (out % c.ch != 0)
            throw Error("VAE weight '" + w.fullName(key) + "' has " + std::to_string(out) +
                        " channels, not a multiple of the base width " + std::to_string(c.ch));
        c.chMult.push_back(static_cast<int>(out / c.ch));
    }
    c.midAttention = w.hasModule("encoder.mid.attn_1");
    return c;
}

std::map<std::string, std::vector<int64_t>> vaeParameterShapes(const VaeConfig& c) {
    std::map<std::string, std::vector<int64_t>> s;
    auto conv = [&](const std::string& name, int64_t out, int64_t in, int64_t k) {
        s[name + ".weight"] = {out, in, k, k};
        s[name + ".bias"] = {out};
    };
    auto norm = [&](const std::string& name, int64_t channels) {
        s[name + ".weight"] = {channels};
        s[name + ".bias"] = {channels};
    };
    auto resnet = [&](const std::string& name, int64_t in, int64_t out) {
        norm(name + ".norm1", in);
        conv(name + ".conv1", out, in, 3);
        norm(name + ".norm2", out);
        conv(name + ".conv2", out, out, 3);
        if (in != out) conv(name + ".nin_shortcut", out, in, 1);
    };
    auto mid = [&](const std::string& name, int64_t channels) {
        resnet(name + ".block_1", channels, channels);
        if (c.midAttention) {
            norm(name + ".attn_1.norm", channels);
            for (const char* p : {"q", "k", "v", "proj_out"}) conv(name + ".attn_1." + p, channels, channels, 1);
        }
        resnet(name + ".block_2", channels, channels);
    };
    const int levels = c.levels();
    const int64_t top = int64_t{c.ch} * c.chMult.back();

    conv("encoder.conv_in", c.ch, c.inChannels, 3);
    int64_t in = c.ch;
    for (int i = 0; i < levels; ++i) {
        const std::string level = "encoder.down." + std::to_string(i);
        const int64_t out = int64_t{c.ch} * c.chMult[i];
        for (int j = 0; j < c.numResBlocks; ++j, in = out) resnet(level + ".block." + std::to_string(j), in, out);
        if (i != levels - 1) conv(level + ".downsample.conv", out, out, 3);
    }
    mid("encoder.mid", top);
    norm("encoder.norm_out", top);
    conv("encoder.conv_out", 2 * c.zChannels, top, 3);
    conv("quant_conv", 2 * c.zChannels, 2 * c.zChannels, 1);

    conv("post_quant_conv", c.zChannels, c.zChannels, 1);
    conv("decoder.conv_in", top, c.zChannels, 3);
    mid("decoder.mid", top);
    in = top;
    for (int i = levels - 1; i >= 0; --i) {
        const std::string level = "decoder.up." + std::to_string(i);
        const int64_t out = int64_t{c.ch} * c.chMult[i];
        for (int j = 0; j <= c.numResBlocks; ++j, in = out) resnet(level + ".block." + std::to_string(j), in, out);
        if (i != 0) conv(level + ".upsample.conv", out, out, 3);
    }
    norm("decoder.norm_out", c.ch);
    conv("decoder.conv_out", c.outChannels, c.ch, 3);
    return s;
}

// Validation lives beside the shape table it checks against.
void validateVaeWeights(const VaeConfig& c, const Weights& w) {
    for (const auto& [key, shape] : vaeParameterShapes(c)) {
        const at::Tensor t = required(w, key);
        std::vector<int64_t> got(t.sizes().begin(), t.sizes().end());
        // Attention projections converted from diffusers are sometimes stored as linear [C, C].
        const bool linearAttention = shape.size() == 4 && got.size() == 2 && key.find(".attn_1.") != std::string::npos &&
                                     got[0] == shape[0] && got[1] == shape[1];
        if (got != shape && !linearAttention)
            throw Error("VAE weight '" + w.fullName(key) + "' has shape " + shapeText(got) + ", expected " +
                        shapeText(shape) + " for a VAE with base width " + std::to_string(c.ch) +
                        " (the file is damaged or not a Stable Diffusion VAE)");
    }
}

}  // namespace tessera::engine
