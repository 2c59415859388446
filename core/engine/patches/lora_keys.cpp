#include "core/engine/patches/lora_keys.h"

#include "core/common/strings.h"
#include "core/engine/files/diffusers_unet_names.h"

#include <algorithm>
#include <utility>

namespace tessera::engine {
namespace {


std::string underscored(std::string s) {
    std::replace(s.begin(), s.end(), '.', '_');
    return s;
}

std::string withoutSuffix(const std::string& s, const std::string& suffix) { return s.substr(0, s.size() - suffix.size()); }

// The part of `key` from `anchor` on, when the anchor starts the key or follows a '.'.
std::optional<std::string> fromAnchor(const std::string& key, const std::string& anchor) {
    for (size_t pos = key.find(anchor); pos != std::string::npos; pos = key.find(anchor, pos + 1))
        if (pos == 0 || key[pos - 1] == '.') return key.substr(pos);
    return std::nullopt;
}

std::string unetRelative(const std::string& key) {
    for (const char* prefix : {kUnetRoot, "diffusion_model."})
        if (startsWith(key, prefix)) return key.substr(std::string(prefix).size());
    return key;
}

void addUnetNames(std::map<std::string, LoraTarget>& out, const std::vector<std::string>& unetKeys) {
    std::vector<std::string> keys;
    keys.reserve(unetKeys.size());
    for (const auto& k : unetKeys) keys.push_back(unetRelative(k));
    const UnetBlockLayout layout = inferUnetBlockLayout(keys);

    for (const auto& key : keys) {
        if (!endsWith(key, ".weight")) continue;
        const LoraTarget target{kUnetRoot + key, false, -1};
        out["lora_unet_" + underscored(withoutSuffix(key, ".weight"))] = target;
        for (const auto& diffusers : ldmToDiffusersNames(key, layout)) {
            if (!endsWith(diffusers, ".weight")) continue;
            const std::string module = withoutSuffix(diffusers, ".weight");
            out["lora_unet_" + underscored(module)] = target;
            out[module] = target;
            out["unet." + module] = target;
            // Old diffusers attention-processor LoRAs: attn1.processor.to_q, ...processor.to_out
            std::string processor;
            for (size_t pos = 0; pos < module.size();) {
                const size_t hit = module.find(".to_", pos);
                if (hit == std::string::npos) {
                    processor += module.substr(pos);
                    break;
                }
                processor += module.substr(pos, hit - pos) + ".processor.to_";
                pos = hit + 4;
            }
            if (processor == module) continue;
            if (endsWith(processor, ".to_out.0")) processor = withoutSuffix(processor, ".0");
            out[processor] = target;
            out["unet." + processor] = target;
        }
    }
}

// One text-encoder weight under its HF CLIP module name ("self_attn.q_proj", "mlp.fc1", ...).
void addTextNames(std::map<std::string, LoraTarget>& out, int layer, const std::string& hfModule,
                  const LoraTarget& target) {
    const std::string n = std::to_string(layer);
    out["lora_te_text_model_encoder_layers_" + n + "_" + underscored(hfModule)] = target;
    out["lora_te1_text_model_encoder_layers_" + n + "_" + underscored(hfModule)] = target;
    out["text_encoder.text_model.encoder.layers." + n + "." + hfModule] = target;
}

// "<anchor>N.rest" -> {N, rest}
std::optional<std::pair<int, std::string>> layerAndRest(const std::string& rel, const std::string& anchor) {
    size_t pos = anchor.size();
    const size_t dot = rel.find('.', pos);
    if (dot == std::string::npos || dot == pos) return std::nullopt;
    int n = 0;
    for (size_t i = pos; i < dot; ++i) {
        if (rel[i] < '0' || rel[i] > '9') return std::nullopt;
        n = n * 10 + (rel[i] - '0');
    }
    return std::make_pair(n, rel.substr(dot + 1));
}

void addHfTextNames(std::map<std::string, LoraTarget>& out, const std::vector<std::string>& textKeys) {
    static const char* kModules[] = {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
                                     "self_attn.out_proj", "mlp.fc1", "mlp.fc2"};
    const std::string anchor = "encoder.layers.";
    for (const auto& key : textKeys) {
        auto rel = fromAnchor(key, anchor);
        if (!rel) continue;
        auto lr = layerAndRest(*rel, anchor);
        if (!lr) continue;
        for (const std::string module : kModules)
            if (lr->second == module + ".weight") addTextNames(out, lr->first, module, {kHfTextRoot + *rel, true, -1});
    }
}

void addOpenClipTextNames(std::map<std::string, LoraTarget>& out, const std::vector<std::string>& textKeys) {
    static const std::pair<const char*, const char*> kModules[] = {
        {"attn.out_proj.weight", "self_attn.out_proj"}, {"mlp.c_fc.weight", "mlp.fc1"}, {"mlp.c_proj.weight", "mlp.fc2"}};
    static const char* kQkv[] = {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"};
    const std::string anchor = "transformer.resblocks.";
    for (const auto& key : textKeys) {
        auto rel = fromAnchor(key, anchor);
        if (!rel) continue;
        auto lr = layerAndRest(*rel, anchor);
        if (!lr) continue;
        const std::string target = kOpenClipTextRoot + *rel;
        if (lr->second == "attn.in_proj_weight") {
            for (int part = 0; part < 3; ++part) addTextNames(out, lr->first, kQkv[part], {target, true, part});
            continue;
        }
        for (const auto& [openClip, hf] : kModules)
            if (lr->second == openClip) addTextNames(out, lr->first, hf, {target, true, -1});
    }
}

}  // namespace

std::map<std::string, LoraTarget> loraKeyMap(const std::vector<std::string>& unetKeys,
                                             const std::vector<std::string>& textKeys, TextNaming naming) {
    std::map<std::string, LoraTarget> out;
    addUnetNames(out, unetKeys);
    if (naming == TextNaming::HuggingFace)
        addHfTextNames(out, textKeys);
    else
        addOpenClipTextNames(out, textKeys);
    return out;
}

std::vector<std::string> weightKeyCandidates(const std::string& target) {
    std::vector<std::string> out{target};
    for (const std::string root : {kUnetRoot, kHfTextRoot, kOpenClipTextRoot}) {
        if (!startsWith(target, root)) continue;
        for (size_t pos = root.find('.'); pos != std::string::npos; pos = root.find('.', pos + 1))
            out.push_back(target.substr(pos + 1));
        break;
    }
    return out;
}

}  // namespace tessera::engine
