#include "core/engine/patches/hypernetwork.h"

#include "core/common/error.h"
#include "core/engine/files/checkpoint.h"
#include "core/engine/files/tensor_file.h"
#include "core/engine/files/weights.h"
#include "core/engine/networks/unet.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

namespace tessera::engine {
namespace {

const std::vector<std::string>& supportedActivations() {
    static const std::vector<std::string> names{"linear", "relu", "leakyrelu", "elu", "swish",
                                                "tanh", "sigmoid", "softsign", "mish"};
    return names;
}

bool isDigits(const std::string& s) {
    return !s.empty() && s.size() < 19 && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::vector<std::string> splitDots(const std::string& s) {
    std::vector<std::string> parts;
    size_t start = 0;
    for (size_t dot; (dot = s.find('.', start)) != std::string::npos; start = dot + 1) parts.push_back(s.substr(start, dot - start));
    parts.push_back(s.substr(start));
    return parts;
}

// "linear.2" before "linear.10": the module order of the file's nn.Sequential (insertion order),
// which a sorted or safetensors listing loses.
bool moduleOrderLess(const std::string& a, const std::string& b) {
    const auto pa = splitDots(a), pb = splitDots(b);
    for (size_t i = 0; i < std::min(pa.size(), pb.size()); ++i) {
        if (pa[i] == pb[i]) continue;
        if (isDigits(pa[i]) && isDigits(pb[i])) return std::stoll(pa[i]) < std::stoll(pb[i]);
        return pa[i] < pb[i];
    }
    return pa.size() < pb.size();
}

bool metadataFlag(const TensorFile& file, const std::string& key) {
    const auto it = file.metadata().find(key);
    return it != file.metadata().end() && (it->second == "True" || it->second == "true" || it->second == "1");
}

HypernetworkSettings readSettings(const TensorFile& file, const std::string& what) {
    HypernetworkSettings s;
    if (const auto it = file.metadata().find("activation_func"); it != file.metadata().end()) s.activation = it->second;
    s.layerNorm = metadataFlag(file, "is_layer_norm");
    s.activateOutput = metadataFlag(file, "activate_output");
    const auto& names = supportedActivations();
    if (std::find(names.begin(), names.end(), s.activation) == names.end()) {
        std::string list;
        for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
        throw Error(what + ": activation function '" + s.activation +
                    "' is not supported (ComfyUI's hypernetworks support " + list + ")");
    }
    return s;
}

// ComfyUI's layer walk over the ".weight" modules in order: each Linear, its activation unless it
// is the last module (the list counts LayerNorms too) and activate_output is off, then the next
// module as its LayerNorm when the file has layer norms.
HypernetworkMlp buildMlp(const TensorFile& file, const std::string& prefix, const std::vector<std::string>& modules,
                         const HypernetworkSettings& settings, int64_t width, const std::string& what) {
    HypernetworkMlp mlp;
    mlp.activation = settings.activation;
    auto tensorOf = [&](const std::string& name) {
        if (!file.contains(prefix + name)) throw Error(what + ": '" + prefix + name + "' is missing");
        return file.tensor(prefix + name, at::kFloat).clone();
    };
    int64_t features = width;
    for (size_t i = 0; i < modules.size(); ++i) {
        const bool lastModule = i + 1 == modules.size();
        HypernetworkMlp::Step linear{HypernetworkMlp::Step::Kind::Linear, tensorOf(modules[i] + ".weight"),
                                     tensorOf(modules[i] + ".bias")};
        if (linear.weight.dim() != 2 || linear.weight.size(1) != features || linear.bias.dim() != 1 ||
            linear.bias.size(0) != linear.weight.size(0))
            throw Error(what + ": layer '" + prefix + modules[i] + "' does not fit: after " + std::to_string(features) +
                        " features a weight [out, " + std::to_string(features) + "] and a bias [out] are expected");
        features = linear.weight.size(0);
        mlp.steps.push_back(std::move(linear));
        if (settings.activation != "linear" && (!lastModule || settings.activateOutput))
            mlp.steps.push_back({HypernetworkMlp::Step::Kind::Activation, {}, {}});
        if (settings.layerNorm) {
            if (lastModule) throw Error(what + ": layer '" + prefix + modules[i] + "' has no layer norm after it");
            ++i;
            HypernetworkMlp::Step norm{HypernetworkMlp::Step::Kind::LayerNorm, tensorOf(modules[i] + ".weight"),
                                       tensorOf(modules[i] + ".bias")};
            if (norm.weight.dim() != 1 || norm.weight.size(0) != features || norm.bias.sizes() != norm.weight.sizes())
                throw Error(what + ": layer norm '" + prefix + modules[i] + "' does not fit " +
                            std::to_string(features) + " features");
            mlp.steps.push_back(std::move(norm));
        }
    }
    if (features != width)
        throw Error(what + ": the layers under '" + prefix + "' end with " + std::to_string(features) +
                    " features, not the width " + std::to_string(width) + " they are added to");
    return mlp;
}

at::Tensor activate(const at::Tensor& x, const std::string& name) {
    if (name == "relu") return at::relu(x);
    if (name == "leakyrelu") return at::leaky_relu(x, 0.01);
    if (name == "elu") return at::elu(x);
    if (name == "swish") return at::hardswish(x);  // ComfyUI's (and A1111's) "swish" is Hardswish
    if (name == "tanh") return at::tanh(x);
    if (name == "sigmoid") return at::sigmoid(x);
    if (name == "softsign") return x / (x.abs() + 1);
    if (name == "mish") return at::mish(x);
    return x;
}

std::pair<HypernetworkMlp, HypernetworkMlp> onDevice(const std::pair<HypernetworkMlp, HypernetworkMlp>& mlps,
                                                     at::Device device) {
    auto out = mlps;
    for (HypernetworkMlp* mlp : {&out.first, &out.second})
        for (auto& step : mlp->steps)
            if (step.weight.defined()) {
                step.weight = step.weight.to(device);
                step.bias = step.bias.to(device);
            }
    return out;
}

// The widths of the key inputs of the UNet's attention layers (to_k's input features).
std::set<int64_t> attentionKeyWidths(const Weights& unet) {
    std::set<int64_t> widths;
    for (const std::string& key : unet.keys()) {
        const std::string suffix = ".to_k.weight";
        if (key.size() > suffix.size() && key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0)
            widths.insert(unet.get(key).size(1));
    }
    return widths;
}

std::string widthList(const std::set<int64_t>& widths) {
    std::string out;
    for (int64_t w : widths) out += (out.empty() ? "" : ", ") + std::to_string(w);
    return out;
}

}  // namespace

at::Tensor HypernetworkMlp::operator()(const at::Tensor& input) const {
    at::Tensor x = input;
    for (const Step& s : steps) {
        switch (s.kind) {
        case Step::Kind::Linear: x = at::linear(x, s.weight, s.bias); break;
        case Step::Kind::Activation: x = activate(x, activation); break;
        case Step::Kind::LayerNorm: x = at::layer_norm(x, {s.weight.size(0)}, s.weight, s.bias, 1e-5); break;
        }
    }
    return x;
}

Hypernetwork loadHypernetwork(const TensorFile& file) {
    const std::string what = "hypernetwork '" + std::filesystem::path(file.path()).filename().string() + "'";
    Hypernetwork net;
    net.source = file.path();
    net.settings = readSettings(file, what);

    // width -> (k modules, v modules); entries other than "<width>.<0|1>.<module>.weight|bias" are ignored.
    std::map<int64_t, std::pair<std::vector<std::string>, std::vector<std::string>>> modules;
    for (const TensorEntry& e : file.entries()) {
        const auto parts = splitDots(e.name);
        if (parts.size() < 3 || !isDigits(parts[0]) || (parts[1] != "0" && parts[1] != "1") || parts.back() != "weight")
            continue;
        const std::string prefix = parts[0] + "." + parts[1] + ".";
        const std::string module = e.name.substr(prefix.size(), e.name.size() - prefix.size() - std::string(".weight").size());
        auto& both = modules[std::stoll(parts[0])];
        (parts[1] == "0" ? both.first : both.second).push_back(module);
    }
    if (modules.empty())
        throw Error(what + " holds no hypernetwork layers (tensors named '<width>.0.*' and '<width>.1.*', e.g. "
                           "'320.0.linear.0.weight'); is it a hypernetwork?");
    for (auto& [width, both] : modules) {
        const std::string w = std::to_string(width);
        if (both.first.empty() || both.second.empty())
            throw Error(what + ": width " + w + " lacks its " + (both.first.empty() ? "key" : "value") + " layers ('" + w +
                        (both.first.empty() ? ".0" : ".1") + ".*')");
        std::sort(both.first.begin(), both.first.end(), moduleOrderLess);
        std::sort(both.second.begin(), both.second.end(), moduleOrderLess);
        net.widths[width] = {buildMlp(file, w + ".0.", both.first, net.settings, width, what),
                             buildMlp(file, w + ".1.", both.second, net.settings, width, what)};
    }
    file.checkUnchanged();
    return net;
}

Hypernetwork loadHypernetworkFile(const std::string& path) { return loadHypernetwork(*openTensorFile(path)); }

HypernetworkPatch::HypernetworkPatch(const Hypernetwork& net, double strength, at::Device device,
                                     std::shared_ptr<const AttentionInputPatch> before)
    : strength_(strength), before_(std::move(before)) {
    for (const auto& [width, mlps] : net.widths) widths_[width] = onDevice(mlps, device);
}

std::pair<at::Tensor, at::Tensor> HypernetworkPatch::keyValueInputs(const at::Tensor& key, const at::Tensor& value) const {
    auto [k, v] = before_ ? before_->keyValueInputs(key, value) : std::pair<at::Tensor, at::Tensor>{key, value};
    const auto it = widths_.find(k.size(-1));  // by the key's width, for both, as ComfyUI
    if (it == widths_.end()) return {k, v};
    const at::Tensor kf = k.to(at::kFloat), vf = v.to(at::kFloat);
    return {(kf + it->second.first(kf) * strength_).to(k.scalar_type()),
            (vf + it->second.second(vf) * strength_).to(v.scalar_type())};
}

std::shared_ptr<const DiffusionModel> applyHypernetwork(const std::shared_ptr<const DiffusionModel>& model,
                                                        const Hypernetwork& net, double strength) {
    if (!model || !model->unet) throw Error("a hypernetwork needs a loaded model");
    // ComfyUI silently changes nothing then; a file for another model family deserves a message.
    const std::set<int64_t> modelWidths = attentionKeyWidths(model->weights);
    std::set<int64_t> fileWidths;
    for (const auto& [width, mlps] : net.widths) fileWidths.insert(width);
    if (std::none_of(fileWidths.begin(), fileWidths.end(), [&](int64_t w) { return modelWidths.count(w) > 0; }))
        throw Error("hypernetwork '" + std::filesystem::path(net.source).filename().string() + "' has layers for widths " +
                    widthList(fileWidths) + " but this model's attention layers take " + widthList(modelWidths) +
                    " (a hypernetwork for another model family?)");
    auto unet = std::make_shared<UNet>(*model->unet);
    AttentionOptions options = unet->attentionOptions();
    options.inputPatch = std::make_shared<HypernetworkPatch>(net, strength, unet->device(), options.inputPatch);
    unet->setAttentionOptions(options);
    auto out = std::make_shared<DiffusionModel>(*model);
    out->unet = std::move(unet);
    return out;
}

}  // namespace tessera::engine
