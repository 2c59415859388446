#include "core/engine/networks/clip_vision.h"

#include "core/common/error.h"
#include "core/engine/files/tensor_file.h"

#include <ATen/ATen.h>

#include <cmath>
#include <filesystem>

namespace tessera::engine {
namespace {

struct VisionKeys {
    std::string classEmbedding, patch, positions, preNorm, postNorm, projection, layerPrefix;
    std::string ln1, ln2, outProj, fc1, fc2;
};

const VisionKeys& visionKeys(ClipVisionConfig::Naming naming) {
    static const VisionKeys hf{"vision_model.embeddings.class_embedding",
                               "vision_model.embeddings.patch_embedding.weight",
                               "vision_model.embeddings.position_embedding.weight",
                               "vision_model.pre_layrnorm",
                               "vision_model.post_layernorm",
                               "visual_projection.weight",
                               "vision_model.encoder.layers.",
                               "layer_norm1", "layer_norm2", "self_attn.out_proj", "mlp.fc1", "mlp.fc2"};
    static const VisionKeys open{"visual.class_embedding", "visual.conv1.weight", "visual.positional_embedding",
                                 "visual.ln_pre", "visual.ln_post", "visual.proj", "visual.transformer.resblocks.",
                                 "ln_1", "ln_2", "attn.out_proj", "mlp.c_fc", "mlp.c_proj"};
    return naming == ClipVisionConfig::HuggingFace ? hf : open;
}

at::Tensor visionWeight(const Weights& w, const std::string& key, at::IntArrayRef shape) {
    at::Tensor t = w(key);
    if (t.sizes() != shape)
        throw Error("CLIP vision weight '" + w.fullName(key) + "' has shape " + c10::str(t.sizes()) + ", expected " +
                    c10::str(shape) + " (the file is damaged or of another model kind)");
    return t.to(at::kFloat);
}

// Python's round(): half to even.
int64_t roundHalfEvenSide(double x) { return static_cast<int64_t>(std::nearbyint(x)); }

}  // namespace

ClipVisionConfig ClipVisionConfig::infer(const Weights& w, Naming naming) {
    const VisionKeys& k = visionKeys(naming);
    const at::Tensor patch = w(k.patch), positions = w(k.positions), projection = w(k.projection);
    if (patch.dim() != 4 || patch.size(1) != 3 || patch.size(2) != patch.size(3) || positions.dim() != 2 ||
        positions.size(1) != patch.size(0) || projection.dim() != 2)
        throw Error("CLIP vision embeddings under '" + w.prefix() + "' have inconsistent shapes " +
                    c10::str(patch.sizes()) + ", " + c10::str(positions.sizes()) + " and " + c10::str(projection.sizes()));
    ClipVisionConfig c;
    c.naming = naming;
    c.width = static_cast<int>(patch.size(0));
    c.patch = static_cast<int>(patch.size(2));
    const auto grid = static_cast<int64_t>(std::lround(std::sqrt(double(positions.size(0) - 1))));
    if (grid < 1 || grid * grid + 1 != positions.size(0))
        throw Error("CLIP vision position embedding '" + w.fullName(k.positions) + "' has " +
                    std::to_string(positions.size(0)) + " rows, not a square grid of patches plus the class token");
    c.imageSize = static_cast<int>(grid) * c.patch;
    c.projection = static_cast<int>(naming == HuggingFace ? projection.size(0) : projection.size(1));
    while (w.hasModule(k.layerPrefix + std::to_string(c.layers))) ++c.layers;
    if (c.layers == 0) throw Error("CLIP vision model under '" + w.prefix() + "' has no transformer layers");
    c.heads = c.width >= 512 ? 16 : std::max(1, c.width / 16);
    if (c.width % c.heads != 0)
        throw Error("CLIP vision width " + std::to_string(c.width) + " is not divisible by " + std::to_string(c.heads) + " heads");
    c.quickGelu = c.layers == 24 || (c.width < 512 && naming == HuggingFace);
    return c;
}

ClipVisionModel::ClipVisionModel(Weights w, ClipVisionConfig::Naming naming, std::string name)
    : config_(ClipVisionConfig::infer(w, naming)), weights_(std::move(w)), name_(std::move(name)) {
    const ClipVisionConfig& c = config_;
    const VisionKeys& k = visionKeys(naming);
    const Weights& ww = weights_;
    const int64_t W = c.width, N = int64_t(c.imageSize / c.patch) * (c.imageSize / c.patch) + 1;
    classEmbedding_ = visionWeight(ww, k.classEmbedding, {W});
    patchWeight_ = visionWeight(ww, k.patch, {W, 3, c.patch, c.patch});
    positions_ = visionWeight(ww, k.positions, {N, W});
    preNormWeight_ = visionWeight(ww, k.preNorm + ".weight", {W});
    preNormBias_ = visionWeight(ww, k.preNorm + ".bias", {W});
    postNormWeight_ = visionWeight(ww, k.postNorm + ".weight", {W});
    postNormBias_ = visionWeight(ww, k.postNorm + ".bias", {W});
    projection_ = naming == ClipVisionConfig::HuggingFace ? visionWeight(ww, k.projection, {c.projection, W})
                                                          : visionWeight(ww, k.projection, {W, c.projection}).t().contiguous();
    for (int i = 0; i < c.layers; ++i) {
        const Weights lw = ww.sub(k.layerPrefix + std::to_string(i));
        const int64_t hidden = lw(k.fc1 + ".weight").size(0);
        Layer l;
        l.ln1Weight = visionWeight(lw, k.ln1 + ".weight", {W});
        l.ln1Bias = visionWeight(lw, k.ln1 + ".bias", {W});
        l.ln2Weight = visionWeight(lw, k.ln2 + ".weight", {W});
        l.ln2Bias = visionWeight(lw, k.ln2 + ".bias", {W});
        if (naming == ClipVisionConfig::OpenClip) {
            l.qkvWeight = visionWeight(lw, "attn.in_proj_weight", {3 * W, W});
            l.qkvBias = visionWeight(lw, "attn.in_proj_bias", {3 * W});
        } else {
            l.qkvWeight = at::cat({visionWeight(lw, "self_attn.q_proj.weight", {W, W}), visionWeight(lw, "self_attn.k_proj.weight", {W, W}),
                                   visionWeight(lw, "self_attn.v_proj.weight", {W, W})});
            l.qkvBias = at::cat({visionWeight(lw, "self_attn.q_proj.bias", {W}), visionWeight(lw, "self_attn.k_proj.bias", {W}),
                                 visionWeight(lw, "self_attn.v_proj.bias", {W})});
        }
        l.outWeight = visionWeight(lw, k.outProj + ".weight", {W, W});
        l.outBias = visionWeight(lw, k.outProj + ".bias", {W});
        l.fc1Weight = visionWeight(lw, k.fc1 + ".weight", {hidden, W});
        l.fc1Bias = visionWeight(lw, k.fc1 + ".bias", {hidden});
        l.fc2Weight = visionWeight(lw, k.fc2 + ".weight", {W, hidden});
        l.fc2Bias = visionWeight(lw, k.fc2 + ".bias", {W});
        layers_.push_back(std::move(l));
    }
}

at::Tensor ClipVisionModel::preprocess(const at::Tensor& image, bool centerCrop) const {
    if (!image.defined() || image.dim() != 4 || image.size(3) < 3 || image.size(1) < 1 || image.size(2) < 1)
        throw Error("CLIP vision expects images [batch, height, width, 3 or more channels]");
    const int64_t size = config_.imageSize;
    at::Tensor x = image.slice(3, 0, 3).to(at::kFloat).permute({0, 3, 1, 2}).contiguous();
    const int64_t h = x.size(2), w = x.size(3);
    if (h != size || w != size) {
        int64_t outH = size, outW = size;
        if (centerCrop) {
            const double scale = double(size) / double(std::min(h, w));
            outH = roundHalfEvenSide(scale * double(h));
            outW = roundHalfEvenSide(scale * double(w));
        }
        x = at::_upsample_bicubic2d_aa(x, {outH, outW}, false, c10::nullopt, c10::nullopt);
        const int64_t top = (outH - size) / 2, left = (outW - size) / 2;
        x = x.slice(2, top, top + size).slice(3, left, left + size);
    }
    x = at::clamp(x * 255.0, 0.0, 255.0).round() / 255.0;
    const at::Tensor mean = at::tensor({0.48145466f, 0.4578275f, 0.40821073f}).view({3, 1, 1});
    const at::Tensor stdev = at::tensor({0.26862954f, 0.26130258f, 0.27577711f}).view({3, 1, 1});
    return (x - mean) / stdev;
}

at::Tensor ClipVisionModel::runLayer(const Layer& l, const at::Tensor& x) const {
    const int64_t B = x.size(0), T = x.size(1), W = config_.width, H = config_.heads, D = W / H;
    const auto qkv = at::linear(at::layer_norm(x, {W}, l.ln1Weight, l.ln1Bias, 1e-5), l.qkvWeight, l.qkvBias).chunk(3, -1);
    auto heads = [&](const at::Tensor& t) { return t.reshape({B, T, H, D}).permute({0, 2, 1, 3}).reshape({B * H, T, D}); };
    const at::Tensor q = heads(qkv[0]), k = heads(qkv[1]), v = heads(qkv[2]);
    const at::Tensor scores = at::bmm(q, k.transpose(1, 2)) * (1.0 / std::sqrt(double(D)));
    const at::Tensor attn = at::bmm(at::softmax(scores, -1), v).reshape({B, H, T, D}).permute({0, 2, 1, 3}).reshape({B, T, W});
    const at::Tensor y = x + at::linear(attn, l.outWeight, l.outBias);
    at::Tensor h = at::linear(at::layer_norm(y, {W}, l.ln2Weight, l.ln2Bias, 1e-5), l.fc1Weight, l.fc1Bias);
    h = config_.quickGelu ? h * at::sigmoid(1.702 * h) : at::gelu(h);
    return y + at::linear(h, l.fc2Weight, l.fc2Bias);
}

ClipVisionOutput ClipVisionModel::encode(const at::Tensor& image, bool centerCrop) const {
    const at::Tensor pixels = preprocess(image, centerCrop);
    const int64_t B = pixels.size(0), W = config_.width;
    const int64_t p = config_.patch;
    const at::Tensor patches = at::conv2d(pixels, patchWeight_, {}, {p, p}).flatten(2).transpose(1, 2);
    at::Tensor x = at::cat({classEmbedding_.expand({B, 1, W}), patches}, 1) + positions_;
    x = at::layer_norm(x, {W}, preNormWeight_, preNormBias_, 1e-5);
    ClipVisionOutput out;
    for (int i = 0; i < config_.layers; ++i) {
        x = runLayer(layers_[size_t(i)], x);
        if (i == config_.layers - 2) out.penultimateHidden = x;
    }
    out.lastHidden = x;
    const at::Tensor pooled = at::layer_norm(x.select(1, 0), {W}, postNormWeight_, postNormBias_, 1e-5);
    out.imageEmbeds = at::linear(pooled, projection_);
    return out;
}

std::shared_ptr<const ClipVisionModel> loadClipVision(const TensorFile& file) {
    const std::string name = std::filesystem::path(file.path()).filename().string();
    for (const auto& e : file.entries())
        for (auto naming : {ClipVisionConfig::HuggingFace, ClipVisionConfig::OpenClip}) {
            const std::string& patch = visionKeys(naming).patch;
            if (e.name.size() < patch.size() || e.name.compare(e.name.size() - patch.size(), patch.size(), patch) != 0)
                continue;
            const std::string prefix = e.name.substr(0, e.name.size() - patch.size());
            try {
                return std::make_shared<const ClipVisionModel>(Weights::fromFile(file, prefix), naming, name);
            } catch (const Error& err) {
                throw Error("'" + name + "' (CLIP vision): " + err.what());
            }
        }
    throw Error("'" + name + "' holds no CLIP vision model (no vision_model.embeddings.patch_embedding.weight or "
                "visual.conv1.weight); CLIP vision files go in models/clip_vision");
}

std::shared_ptr<const ClipVisionModel> loadClipVisionFile(const std::string& path) {
    const auto file = openTensorFile(path);
    auto model = loadClipVision(*file);
    file->checkUnchanged();
    return model;
}

}  // namespace tessera::engine
