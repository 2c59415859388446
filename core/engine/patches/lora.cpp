#include "core/engine/patches/lora.h"

#include "core/common/error.h"
#include "core/common/strings.h"
#include "core/engine/compute/weight_storage.h"
#include "core/engine/files/tensor_file.h"

#include <ATen/ATen.h>

#include <map>
#include <sstream>

namespace tessera::engine {
namespace {


enum class Role { Up, Down, Mid, Alpha };

// Tensor-name suffixes of the LoRA formats in use; the rest of the name is the module.
const std::pair<const char*, Role> kSuffixes[] = {
    {".lora_up.weight", Role::Up},               {".lora_down.weight", Role::Down},  // kohya
    {".lora_mid.weight", Role::Mid},                                                  // LoCon
    {"_lora.up.weight", Role::Up},               {"_lora.down.weight", Role::Down},  // diffusers attn processors
    {".lora_linear_layer.up.weight", Role::Up},  {".lora_linear_layer.down.weight", Role::Down},
    {".lora.up.weight", Role::Up},               {".lora.down.weight", Role::Down},
    {".lora_B.weight", Role::Up},                {".lora_A.weight", Role::Down},  // PEFT
    {".alpha", Role::Alpha},
};

struct ModuleTensors {
    std::string up, down, mid, alpha;  // tensor names in the file; empty when absent
};

std::string shapeString(at::IntArrayRef shape) {
    std::ostringstream s;
    s << '[';
    for (size_t i = 0; i < shape.size(); ++i) s << (i ? ", " : "") << shape[i];
    s << ']';
    return s.str();
}

// The family a LoRA was trained for, from widths only real SD families have: the cross-attention
// context (768 SD1, 1024 SD2, 2048 SDXL) and the text encoder width (768, 1024, 1280).
std::string guessFamily(const TensorFile& file, const std::map<std::string, ModuleTensors>& modules) {
    for (const auto& [module, t] : modules)
        if (startsWith(module, "lora_te2_") || startsWith(module, "text_encoder_2.") || contains(module, "label_emb") ||
            contains(module, "add_embedding"))
            return "SDXL";
    auto inputWidth = [&](const ModuleTensors& t) -> int64_t {
        const TensorEntry* e = t.down.empty() ? nullptr : file.find(t.down);
        return e && e->shape.size() >= 2 ? e->shape[1] : 0;
    };
    for (const auto& [module, t] : modules) {
        if (!contains(module, "attn2")) continue;
        if (!contains(module, "to_k") && !contains(module, "to_v")) continue;
        switch (inputWidth(t)) {
            case 768: return "SD1";
            case 1024: return "SD2";
            case 2048: return "SDXL";
            default: break;
        }
    }
    for (const auto& [module, t] : modules) {
        if (!contains(module, "q_proj")) continue;
        switch (inputWidth(t)) {
            case 768: return "SD1";
            case 1024: return "SD2";
            case 1280: return "SDXL";
            default: break;
        }
    }
    return "unknown";
}

std::string familyHint(const LoraFile& lora) {
    if (lora.familyGuess.empty() || lora.familyGuess == "unknown") return "";
    return " (it looks like an " + lora.familyGuess + " LoRA)";
}

std::string anotherFamilyAdvice(const LoraFile& lora) {
    return "The LoRA is probably for another model family" + familyHint(lora) +
           "; use it with a checkpoint of the family it was trained for.";
}

// Always a copy: a view of the mapping would fault (SIGBUS) once the file is truncated.
at::Tensor readTensor(const TensorFile& file, const std::string& name) {
    const at::Tensor stored = file.tensor(name);
    return stored.scalar_type() == at::kFloat ? stored.clone() : stored.to(at::kFloat);
}

LoraPatch makePatch(const TensorFile& file, const std::string& module, const ModuleTensors& t,
                    const LoraTarget& target) {
    const std::string& path = file.path();
    if (t.up.empty() || t.down.empty())
        throw Error("LoRA '" + path + "' is damaged: module '" + module + "' has " +
                    (t.up.empty() ? "a down matrix but no up matrix" : "an up matrix but no down matrix"));
    LoraPatch p;
    p.target = target.key;
    p.source = module;
    p.up = readTensor(file, t.up);
    p.down = readTensor(file, t.down);
    const bool shapesOk = (p.up.dim() == 2 || p.up.dim() == 4) && p.down.dim() == p.up.dim() && p.down.size(0) > 0 &&
                          p.up.numel() / p.up.size(0) == p.down.size(0);
    if (!shapesOk)
        throw Error("LoRA '" + path + "' is damaged: module '" + module + "' has up " + shapeString(p.up.sizes()) +
                    " and down " + shapeString(p.down.sizes()) + ", whose ranks disagree");
    if (!t.mid.empty()) {
        at::Tensor mid = readTensor(file, t.mid);
        if (mid.dim() != 4 || mid.size(0) != p.rank() || mid.size(1) != p.rank())
            throw Error("LoRA '" + path + "' is damaged: module '" + module + "' has a mid tensor of shape " +
                        shapeString(mid.sizes()) + " for rank " + std::to_string(p.rank()));
        p.mid = mid;
    }
    p.alpha = static_cast<double>(p.rank());
    if (!t.alpha.empty()) {
        at::Tensor alpha = readTensor(file, t.alpha);
        if (alpha.numel() != 1)
            throw Error("LoRA '" + path + "' is damaged: '" + t.alpha + "' should hold one number, it has shape " +
                        shapeString(alpha.sizes()));
        p.alpha = alpha.item<double>();
    }
    if (target.qkvPart >= 0) {
        const int64_t rows = p.up.size(0);
        p.qkvSlice = std::make_pair(target.qkvPart * rows, (target.qkvPart + 1) * rows);
    }
    return p;
}

std::optional<std::string> weightKey(const Weights& weights, const std::string& target) {
    for (const auto& candidate : weightKeyCandidates(target))
        if (weights.has(candidate)) return candidate;
    return std::nullopt;
}

void checkPatchesFit(const LoraFile& lora, const std::vector<LoraPatch>& patches, const Weights& weights,
                     const char* network) {
    for (const auto& p : patches) {
        auto key = weightKey(weights, p.target);
        if (!key)
            throw Error("LoRA '" + lora.path + "': module '" + p.source + "' patches '" + p.target + "', which the " +
                        network + " weights in use do not have (the LoRA was resolved against another model).");
        const at::Tensor w = weights(*key);
        std::vector<int64_t> update{p.up.size(0)};
        if (p.mid) {
            update.insert(update.end(), {p.down.size(1), p.mid->size(2), p.mid->size(3)});
        } else {
            update.insert(update.end(), p.down.sizes().begin() + 1, p.down.sizes().end());
        }
        int64_t updateCols = 1;
        for (size_t i = 1; i < update.size(); ++i) updateCols *= update[i];
        bool fits = w.dim() >= 1 && w.size(0) > 0;
        std::string what = "'" + p.target + "' of shape " + shapeString(w.sizes());
        if (fits) {
            const int64_t rows = p.qkvSlice ? p.qkvSlice->second - p.qkvSlice->first : w.size(0);
            fits = update[0] == rows && updateCols == w.numel() / w.size(0);
            if (p.qkvSlice) {
                fits = fits && w.size(0) == 3 * rows;
                what = "rows " + std::to_string(p.qkvSlice->first) + ".." + std::to_string(p.qkvSlice->second) +
                       " of " + what;
            }
        }
        if (!fits)
            throw Error("LoRA '" + lora.path + "' does not fit this model: '" + p.source + "' changes " + what +
                        " but its update has shape " + shapeString(update) + " (up " + shapeString(p.up.sizes()) +
                        ", down " + shapeString(p.down.sizes()) + "). " + anotherFamilyAdvice(lora));
    }
}

void patchWeights(Weights& weights, const std::vector<LoraPatch>& patches, double strength) {
    if (strength == 0.0 || patches.empty()) return;
    Weights patched = weights.detachedCopy();
    for (const auto& p : patches) {
        const std::string key = *weightKey(patched, p.target);  // checked by checkLoraFits
        const at::Tensor w = patched(key);
        LoraPatch local = p;  // the update is computed where the weight lives
        local.up = p.up.to(w.device());
        local.down = p.down.to(w.device());
        if (p.mid) local.mid = p.mid->to(w.device());
        const at::Tensor delta = loraDelta(local) * (strength * p.scale());
        at::Tensor result;
        if (p.qkvSlice) {
            result = w.to(at::kFloat).clone();
            at::Tensor rows = result.slice(0, p.qkvSlice->first, p.qkvSlice->second);
            rows.add_(delta.reshape(rows.sizes()));
        } else {
            result = w.to(at::kFloat) + delta.reshape(w.sizes());  // a new tensor: w stays untouched
        }
        patched.set(key, result.to(computeTypeOf(w)));
    }
    weights = patched;
}

}  // namespace

LoraFile loadLora(const std::string& path, const std::vector<std::string>& unetKeys,
                  const std::vector<std::string>& textKeys, TextNaming textNaming) {
    auto file = openTensorFile(path);
    if (file->entries().empty()) throw Error("LoRA '" + path + "' contains no tensors");

    LoraFile out;
    out.path = path;
    std::map<std::string, ModuleTensors> modules;
    for (const auto& e : file->entries()) {
        bool matched = false;
        for (const auto& [suffix, role] : kSuffixes) {
            if (!endsWith(e.name, suffix)) continue;
            ModuleTensors& t = modules[e.name.substr(0, e.name.size() - std::string(suffix).size())];
            (role == Role::Up ? t.up : role == Role::Down ? t.down : role == Role::Mid ? t.mid : t.alpha) = e.name;
            matched = true;
            break;
        }
        if (!matched) {
            out.unknownKeys.push_back(e.name);
            out.unknownNotes.push_back("not a LoRA tensor this program understands (LoHa, LoKr and other LyCORIS "
                                       "kinds are not supported)");
        }
    }
    out.familyGuess = guessFamily(*file, modules);

    const auto keyMap = loraKeyMap(unetKeys, textKeys, textNaming);
    for (const auto& [module, tensors] : modules) {
        if (tensors.up.empty() && tensors.down.empty()) {  // e.g. the alpha of a LoHa module
            out.unknownKeys.push_back(module);
            out.unknownNotes.push_back("has no lora_up/lora_down matrices");
            continue;
        }
        const std::string name = startsWith(module, "base_model.model.") ? module.substr(17) : module;
        auto it = keyMap.find(name);
        if (it == keyMap.end()) {
            out.unknownKeys.push_back(module);
            out.unknownNotes.push_back("no weight of this model has this name (a LoRA for another model family, or "
                                       "a layer this program does not patch)");
            continue;
        }
        LoraPatch patch = makePatch(*file, module, tensors, it->second);
        (it->second.text ? out.textPatches : out.unetPatches).push_back(std::move(patch));
    }

    if (out.unetPatches.empty() && out.textPatches.empty()) {
        if (modules.empty())
            throw Error("LoRA '" + path + "' contains no LoRA tensors this program understands (first tensor: '" +
                        out.unknownKeys.front() + "'); LoHa, LoKr and other LyCORIS kinds are not supported.");
        throw Error("LoRA '" + path + "' does not match this model: none of its " + std::to_string(modules.size()) +
                    " modules (first: '" + modules.begin()->first + "') names a weight of the model. " +
                    anotherFamilyAdvice(out));
    }
    file->checkUnchanged();
    return out;
}

LoraFile loadLora(const std::string& path, const Weights& unet, const Weights& text, TextNaming textNaming) {
    LoraFile lora = loadLora(path, unet.keys(), text.keys(), textNaming);
    checkLoraFits(lora, unet, text);
    return lora;
}

void checkLoraFits(const LoraFile& lora, const Weights& unet, const Weights& text) {
    checkPatchesFit(lora, lora.unetPatches, unet, "UNet");
    checkPatchesFit(lora, lora.textPatches, text, "text encoder");
}

at::Tensor loraDelta(const LoraPatch& patch) {
    at::Tensor down = patch.down;
    if (patch.mid) {
        // Fold the Tucker core into down: [rank, in, kh, kw] (as ComfyUI/LyCORIS do).
        const at::Tensor& mid = *patch.mid;
        down = at::mm(down.transpose(0, 1).flatten(1), mid.transpose(0, 1).flatten(1))
                   .reshape({down.size(1), down.size(0), mid.size(2), mid.size(3)})
                   .transpose(0, 1);
    }
    return at::mm(patch.up.flatten(1), down.flatten(1));
}

void applyLora(Weights& unet, Weights& text, const LoraFile& lora, double unetStrength, double textStrength) {
    checkLoraFits(lora, unet, text);
    patchWeights(unet, lora.unetPatches, unetStrength);
    patchWeights(text, lora.textPatches, textStrength);
}

}  // namespace tessera::engine
