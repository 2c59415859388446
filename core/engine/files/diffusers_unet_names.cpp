#include "core/engine/files/diffusers_unet_names.h"

#include "core/common/strings.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <utility>

namespace tessera::engine {
namespace {


// Reads the decimal component at `pos` up to the next '.', advancing past the dot.
std::optional<int> readIndex(const std::string& s, size_t& pos) {
    const size_t dot = s.find('.', pos);
    if (dot == std::string::npos || dot == pos) return std::nullopt;
    int value = 0;
    for (size_t i = pos; i < dot; ++i) {
        if (s[i] < '0' || s[i] > '9') return std::nullopt;
        value = value * 10 + (s[i] - '0');
    }
    pos = dot + 1;
    return value;
}

// "input_blocks.N.M.rest" -> {N, M, rest}
struct BlockPath {
    int block = 0, layer = 0;
    std::string rest;
};

std::optional<BlockPath> parseBlockPath(const std::string& key, const std::string& group) {
    if (!startsWith(key, group + ".")) return std::nullopt;
    size_t pos = group.size() + 1;
    BlockPath p;
    auto n = readIndex(key, pos);
    if (!n) return std::nullopt;
    p.block = *n;
    auto m = readIndex(key, pos);
    if (!m) return std::nullopt;
    p.layer = *m;
    p.rest = key.substr(pos);
    return p;
}

// ldm ResBlock sub-module -> diffusers ResnetBlock2D sub-module.
const std::pair<const char*, const char*> kResnetNames[] = {
    {"in_layers.0.", "norm1."},         {"in_layers.2.", "conv1."},  {"emb_layers.1.", "time_emb_proj."},
    {"out_layers.0.", "norm2."},        {"out_layers.3.", "conv2."}, {"skip_connection.", "conv_shortcut."},
};

std::optional<std::string> resnetRest(const std::string& rest) {
    for (const auto& [ldm, diffusers] : kResnetNames)
        if (startsWith(rest, ldm)) return diffusers + rest.substr(std::string(ldm).size());
    return std::nullopt;
}

const std::pair<const char*, const char*> kBasicNames[] = {
    {"input_blocks.0.0.", "conv_in."},          {"out.0.", "conv_norm_out."},
    {"out.2.", "conv_out."},                    {"time_embed.0.", "time_embedding.linear_1."},
    {"time_embed.2.", "time_embedding.linear_2."}, {"label_emb.0.0.", "class_embedding.linear_1."},
    {"label_emb.0.0.", "add_embedding.linear_1."}, {"label_emb.0.2.", "class_embedding.linear_2."},
    {"label_emb.0.2.", "add_embedding.linear_2."},
};

std::vector<std::string> inputBlockNames(const BlockPath& p, const UnetBlockLayout& layout) {
    const auto& levels = layout.resBlocksPerLevel;
    int first = 1;  // input_blocks.0 is conv_in
    for (size_t x = 0; x < levels.size(); ++x) {
        const int count = levels[x];
        const std::string level = "down_blocks." + std::to_string(x) + ".";
        if (p.block < first + count) {
            const std::string i = std::to_string(p.block - first);
            if (p.layer == 0) {
                if (auto r = resnetRest(p.rest)) return {level + "resnets." + i + "." + *r};
                return {};
            }
            if (p.layer == 1) return {level + "attentions." + i + "." + p.rest};
            return {};
        }
        if (p.block == first + count) {
            if (p.layer == 0 && startsWith(p.rest, "op.")) return {level + "downsamplers.0.conv." + p.rest.substr(3)};
            return {};
        }
        first += count + 1;
    }
    return {};
}

std::vector<std::string> outputBlockNames(const BlockPath& p, const UnetBlockLayout& layout) {
    std::vector<int> levels(layout.resBlocksPerLevel.rbegin(), layout.resBlocksPerLevel.rend());
    int first = 0;
    for (size_t x = 0; x < levels.size(); ++x) {
        const int count = levels[x] + 1;  // the decoder has one more ResBlock per level
        if (p.block < first + count) {
            const std::string level = "up_blocks." + std::to_string(x) + ".";
            const std::string i = std::to_string(p.block - first);
            if (p.layer == 0) {
                if (auto r = resnetRest(p.rest)) return {level + "resnets." + i + "." + *r};
                return {};
            }
            // The upsampler follows the ResBlock (and the attention, if the level has one).
            if (startsWith(p.rest, "conv.")) {
                if (p.block != first + count - 1) return {};
                return {level + "upsamplers.0." + p.rest};
            }
            if (p.layer == 1) return {level + "attentions." + i + "." + p.rest};
            return {};
        }
        first += count;
    }
    return {};
}

std::vector<std::string> middleBlockNames(const std::string& key) {
    size_t pos = std::string("middle_block.").size();
    if (!startsWith(key, "middle_block.")) return {};
    auto m = readIndex(key, pos);
    if (!m) return {};
    const std::string rest = key.substr(pos);
    if (*m == 1) return {"mid_block.attentions.0." + rest};
    if (*m == 0 || *m == 2) {
        if (auto r = resnetRest(rest)) return {"mid_block.resnets." + std::to_string(*m / 2) + "." + *r};
    }
    return {};
}

}  // namespace

UnetBlockLayout inferUnetBlockLayout(const std::vector<std::string>& unetKeys) {
    std::set<int> blocks, downsamplers;
    for (const auto& key : unetKeys) {
        auto p = parseBlockPath(key, "input_blocks");
        if (!p || p->block == 0) continue;
        blocks.insert(p->block);
        if (p->layer == 0 && startsWith(p->rest, "op.")) downsamplers.insert(p->block);
    }
    UnetBlockLayout layout;
    if (blocks.empty()) return layout;
    int count = 0;
    for (int n = 1; n <= *blocks.rbegin(); ++n) {
        if (downsamplers.count(n)) {
            layout.resBlocksPerLevel.push_back(count);
            count = 0;
        } else {
            ++count;
        }
    }
    layout.resBlocksPerLevel.push_back(count);
    return layout;
}

std::vector<std::string> ldmToDiffusersNames(const std::string& ldmKey, const UnetBlockLayout& layout) {
    std::vector<std::string> out;
    for (const auto& [ldm, diffusers] : kBasicNames)
        if (startsWith(ldmKey, ldm)) out.push_back(diffusers + ldmKey.substr(std::string(ldm).size()));
    if (!out.empty()) return out;
    if (auto p = parseBlockPath(ldmKey, "input_blocks")) return inputBlockNames(*p, layout);
    if (auto p = parseBlockPath(ldmKey, "output_blocks")) return outputBlockNames(*p, layout);
    return middleBlockNames(ldmKey);
}

}  // namespace tessera::engine
