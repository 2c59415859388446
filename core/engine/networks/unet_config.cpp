#include "core/engine/networks/unet_config.h"

#include "core/common/error.h"
#include "core/engine/files/weights.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <sstream>

namespace tessera::engine {

namespace {

std::string blockName(int i) { return "input_blocks." + std::to_string(i); }

int countTransformerBlocks(const Weights& transformer) {
    int n = 0;
    while (transformer.hasModule("transformer_blocks." + std::to_string(n))) ++n;
    return n;
}

[[noreturn]] void fail(const Weights& w, const std::string& what) {
    throw Error("not a supported Stable Diffusion UNet ('" + w.prefix() + "'): " + what);
}

}  // namespace

bool UNetConfig::hasAttention(int level) const {
    return std::find(attentionLevels.begin(), attentionLevels.end(), level) != attentionLevels.end();
}

int UNetConfig::headsFor(int channels) const {
    if (numHeadChannels > 0) return std::max(1, channels / numHeadChannels);
    return numHeads;
}

UNetConfig UNetConfig::infer(const Weights& w) {
    UNetConfig c;
    if (w.hasModule("label_emb")) {
        if (!w.has("label_emb.0.0.weight") || w("label_emb.0.0.weight").dim() != 2)
            fail(w, "label_emb is not ldm's sequential ADM embedding (label_emb.0.0.weight, a linear layer)");
        c.admInChannels = int(w("label_emb.0.0.weight").size(1));
    }
    const at::Tensor inConv = w("input_blocks.0.0.weight");
    c.inChannels = int(inConv.size(1));
    c.modelChannels = int(inConv.size(0));
    c.outChannels = w.has("out.2.weight") ? int(w("out.2.weight").size(0)) : 0;
    if (w("time_embed.0.weight").size(1) != c.modelChannels)
        fail(w, "time_embed.0.weight does not match " + std::to_string(c.modelChannels) + " model channels");

    // Walk the input blocks: res blocks (".0.in_layers") and optional transformers (".1") per
    // level, separated by downsamplers (".0.op").
    c.channelMult.clear();
    c.attentionLevels.clear();
    c.numResBlocks = -1;
    int resInLevel = 0, level = 0, levelChannels = 0;
    bool levelHasAttention = false;
    Weights firstTransformer;
    bool foundTransformer = false;
    auto closeLevel = [&](int i) {
        if (resInLevel == 0) fail(w, "level " + std::to_string(level) + " has no res block (before block " + std::to_string(i) + ")");
        if (c.numResBlocks < 0) c.numResBlocks = resInLevel;
        if (resInLevel != c.numResBlocks)
            fail(w, "levels have different numbers of res blocks (" + std::to_string(c.numResBlocks) + " and " +
                        std::to_string(resInLevel) + ")");
        if (levelChannels % c.modelChannels != 0)
            fail(w, std::to_string(levelChannels) + " channels at level " + std::to_string(level) +
                        " are not a multiple of " + std::to_string(c.modelChannels));
        c.channelMult.push_back(levelChannels / c.modelChannels);
        if (levelHasAttention) c.attentionLevels.push_back(level);
        ++level;
        resInLevel = 0;
        levelHasAttention = false;
    };
    int i = 1;
    for (; w.hasModule(blockName(i)); ++i) {
        const Weights block = w.sub(blockName(i));
        if (block.hasModule("0.op")) {
            closeLevel(i);
            continue;
        }
        levelChannels = int(block("0.in_layers.2.weight").size(0));
        ++resInLevel;
        if (block.hasModule("1")) {
            levelHasAttention = true;
            if (!foundTransformer) firstTransformer = block.sub("1"), foundTransformer = true;
        }
    }
    if (i == 1) fail(w, "no input blocks after input_blocks.0");
    closeLevel(i);

    if (!foundTransformer) {
        if (!w.hasModule("middle_block.1")) fail(w, "no spatial transformer found");
        firstTransformer = w.sub("middle_block.1");
    }
    c.transformerDepth = countTransformerBlocks(firstTransformer);
    if (c.transformerDepth == 0) fail(w, "spatial transformer '" + firstTransformer.prefix() + "' has no transformer_blocks");
    c.contextDim = int(firstTransformer("transformer_blocks.0.attn2.to_k.weight").size(1));
    c.linearProjection = firstTransformer("proj_in.weight").dim() == 2;
    if (c.linearProjection) {
        c.numHeads = -1;
        c.numHeadChannels = 64;
    } else {
        c.numHeads = 8;
        c.numHeadChannels = -1;
    }
    return c;
}

std::string UNetConfig::describe() const {
    std::ostringstream s;
    s << "in " << inChannels << ", out " << outChannels << ", channels " << modelChannels << ", mult [";
    for (size_t i = 0; i < channelMult.size(); ++i) s << (i ? "," : "") << channelMult[i];
    s << "], res blocks " << numResBlocks << ", attention levels [";
    for (size_t i = 0; i < attentionLevels.size(); ++i) s << (i ? "," : "") << attentionLevels[i];
    s << "], depth " << transformerDepth;
    if (admInChannels > 0) s << ", ADM " << admInChannels;
    s << ", context " << contextDim << (linearProjection ? ", linear proj" : ", conv proj");
    if (numHeadChannels > 0)
        s << ", " << numHeadChannels << " channels/head";
    else
        s << ", " << numHeads << " heads";
    return s.str();
}

}  // namespace tessera::engine
