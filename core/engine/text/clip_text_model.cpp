#include "core/engine/text/clip_text_model.h"

#include "core/common/error.h"

#include <ATen/ATen.h>

#include <cmath>
#include <limits>

namespace tessera::engine {
namespace {

struct KeyNames {
    std::string tokenEmbedding, positionEmbedding, finalNorm, layerPrefix;
    std::string ln1, ln2, outProj, fc1, fc2;
};

const KeyNames& keyNames(ClipTextConfig::Naming naming) {
    static const KeyNames hf{"embeddings.token_embedding.weight", "embeddings.position_embedding.weight",
                             "final_layer_norm", "encoder.layers.", "layer_norm1", "layer_norm2",
                             "self_attn.out_proj", "mlp.fc1", "mlp.fc2"};
    static const KeyNames open{"token_embedding.weight", "positional_embedding", "ln_final",
                               "transformer.resblocks.", "ln_1", "ln_2", "attn.out_proj", "mlp.c_fc", "mlp.c_proj"};
    return naming == ClipTextConfig::HuggingFace ? hf : open;
}

const char* namingName(ClipTextConfig::Naming naming) {
    return naming == ClipTextConfig::HuggingFace ? "Hugging Face" : "OpenCLIP";
}

at::Tensor checked(const Weights& w, const std::string& key, at::IntArrayRef shape) {
    at::Tensor t = w(key);
    if (t.sizes() != shape)
        throw Error("CLIP text model weight '" + w.fullName(key) + "' has shape " + c10::str(t.sizes()) +
                    ", expected " + c10::str(shape) + " (the file is damaged or of another model kind)");
    return t.to(at::kFloat);
}

}  // namespace

int ClipTextConfig::defaultHeads(int width) { return width >= 512 ? width / 64 : std::max(1, width / 16); }

ClipTextConfig ClipTextConfig::infer(const Weights& w, Naming naming, int headsOverride) {
    const KeyNames& k = keyNames(naming);
    if (!w.has(k.tokenEmbedding))
        throw Error("no CLIP text model in " + std::string(namingName(naming)) + " naming under '" + w.prefix() +
                    "' (missing '" + w.fullName(k.tokenEmbedding) + "')");
    ClipTextConfig c;
    c.naming = naming;
    const at::Tensor tok = w(k.tokenEmbedding);
    const at::Tensor pos = w(k.positionEmbedding);
    if (tok.dim() != 2 || pos.dim() != 2 || pos.size(1) != tok.size(1))
        throw Error("CLIP text model embeddings under '" + w.prefix() + "' have inconsistent shapes " +
                    c10::str(tok.sizes()) + " and " + c10::str(pos.sizes()));
    c.vocab = static_cast<int>(tok.size(0));
    c.width = static_cast<int>(tok.size(1));
    c.positions = static_cast<int>(pos.size(0));
    while (w.hasModule(k.layerPrefix + std::to_string(c.layers))) ++c.layers;
    if (c.layers == 0) throw Error("CLIP text model under '" + w.prefix() + "' has no transformer layers");
    c.heads = headsOverride > 0 ? headsOverride : defaultHeads(c.width);
    if (c.width % c.heads != 0)
        throw Error("CLIP text model width " + std::to_string(c.width) + " is not divisible by " +
                    std::to_string(c.heads) + " attention heads");
    c.act = (naming == OpenClip || c.width == 1024) ? Gelu : QuickGelu;
    return c;
}

ClipTextModel::ClipTextModel(ClipTextConfig config, Weights weights)
    : config_(config), weights_(std::move(weights)) {
    const ClipTextConfig& c = config_;
    if (c.width <= 0 || c.layers <= 0 || c.heads <= 0 || c.width % c.heads != 0 || c.vocab <= 0 || c.positions <= 0)
        throw Error("invalid CLIP text model configuration (width " + std::to_string(c.width) + ", heads " +
                    std::to_string(c.heads) + ", layers " + std::to_string(c.layers) + ")");
    const KeyNames& k = keyNames(c.naming);
    const Weights& w = weights_;
    const int64_t W = c.width;
    tokenEmbedding_ = checked(w, k.tokenEmbedding, {c.vocab, W});
    positionEmbedding_ = checked(w, k.positionEmbedding, {c.positions, W});
    finalNormWeight_ = checked(w, k.finalNorm + ".weight", {W});
    finalNormBias_ = checked(w, k.finalNorm + ".bias", {W});
    for (int i = 0; i < c.layers; ++i) {
        const Weights lw = w.sub(k.layerPrefix + std::to_string(i));
        // Hidden size of the MLP is read from the file (4*width in every CLIP, but not assumed).
        const std::string fc1Key = k.fc1 + ".weight";
        const int64_t hidden = lw(fc1Key).size(0);
        Layer l;
        l.ln1Weight = checked(lw, k.ln1 + ".weight", {W});
        l.ln1Bias = checked(lw, k.ln1 + ".bias", {W});
        l.ln2Weight = checked(lw, k.ln2 + ".weight", {W});
        l.ln2Bias = checked(lw, k.ln2 + ".bias", {W});
        if (c.naming == ClipTextConfig::OpenClip) {
            l.qkvWeight = checked(lw, "attn.in_proj_weight", {3 * W, W});
            l.qkvBias = checked(lw, "attn.in_proj_bias", {3 * W});
        } else {
            l.qkvWeight = at::cat({checked(lw, "self_attn.q_proj.weight", {W, W}), checked(lw, "self_attn.k_proj.weight", {W, W}),
                                   checked(lw, "self_attn.v_proj.weight", {W, W})});
            l.qkvBias = at::cat({checked(lw, "self_attn.q_proj.bias", {W}), checked(lw, "self_attn.k_proj.bias", {W}),
                                 checked(lw, "self_attn.v_proj.bias", {W})});
        }
        l.outWeight = checked(lw, k.outProj + ".weight", {W, W});
        l.outBias = checked(lw, k.outProj + ".bias", {W});
        l.fc1Weight = checked(lw, fc1Key, {hidden, W});
        l.fc1Bias = checked(lw, k.fc1 + ".bias", {hidden});
        l.fc2Weight = checked(lw, k.fc2 + ".weight", {W, hidden});
        l.fc2Bias = checked(lw, k.fc2 + ".bias", {W});
        layers_.push_back(std::move(l));
    }
}

at::Tensor ClipTextModel::runLayer(const Layer& l, const at::Tensor& x, const at::Tensor& causalMask) const {
    const int64_t B = x.size(0), T = x.size(1), W = config_.width, H = config_.heads, D = W / H;
    at::Tensor h = at::layer_norm(x, {W}, l.ln1Weight, l.ln1Bias, 1e-5);
    const auto qkv = at::linear(h, l.qkvWeight, l.qkvBias).chunk(3, -1);
    auto heads = [&](const at::Tensor& t) { return t.reshape({B, T, H, D}).permute({0, 2, 1, 3}).reshape({B * H, T, D}); };
    const at::Tensor q = heads(qkv[0]), k = heads(qkv[1]), v = heads(qkv[2]);
    at::Tensor scores = at::baddbmm(causalMask.expand({B * H, T, T}), q, k.transpose(1, 2), 1.0, 1.0 / std::sqrt(double(D)));
    at::Tensor attn = at::bmm(at::softmax(scores, -1), v).reshape({B, H, T, D}).permute({0, 2, 1, 3}).reshape({B, T, W});
    at::Tensor y = x + at::linear(attn, l.outWeight, l.outBias);
    h = at::linear(at::layer_norm(y, {W}, l.ln2Weight, l.ln2Bias, 1e-5), l.fc1Weight, l.fc1Bias);
    h = config_.act == ClipTextConfig::QuickGelu ? h * at::sigmoid(1.702 * h) : at::gelu(h);
    return y + at::linear(h, l.fc2Weight, l.fc2Bias);
}

at::Tensor ClipTextModel::forward(const at::Tensor& tokens, int layer,
                                  const std::vector<EmbeddingOverride>& embeddingOverrides) const {
    if (layer >= 0)
        throw Error("CLIP layer " + std::to_string(layer) + " is invalid: use -1 for the last layer, -2 for the penultimate, ...");
    if (!tokens.defined() || tokens.dim() != 2 || tokens.size(1) == 0 || tokens.size(1) > config_.positions)
        throw Error("CLIP text model expects tokens of shape [batch, 1.." + std::to_string(config_.positions) + "]");
    const at::Device device = tokenEmbedding_.device();
    const at::Tensor ids = tokens.to(device, at::kLong);
    if (ids.min().item<int64_t>() < 0 || ids.max().item<int64_t>() >= config_.vocab)
        throw Error("CLIP token id out of range 0.." + std::to_string(config_.vocab - 1));
    const int64_t B = ids.size(0), T = ids.size(1);
    at::Tensor x = at::embedding(tokenEmbedding_, ids);
    for (const EmbeddingOverride& o : embeddingOverrides) {
        if (o.batch < 0 || o.batch >= B || o.position < 0 || o.position >= T)
            throw Error("embedding override position out of range");
        if (!o.vector.defined() || o.vector.numel() != config_.width)
            throw Error("an embedding vector has " + std::to_string(o.vector.defined() ? o.vector.numel() : 0) +
                        " values, but this CLIP text model has width " + std::to_string(config_.width));
        x[o.batch][o.position].copy_(o.vector.reshape({config_.width}).to(device, at::kFloat));
    }
    x = x + positionEmbedding_.slice(0, 0, T);
    const at::Tensor mask =
        at::full({T, T}, -std::numeric_limits<float>::infinity(), x.options()).triu(1);
    const int n = config_.layers;
    const int last = -layer > n ? n - 1 : n + layer;  // index of the last layer to run
    for (int i = 0; i <= last; ++i) x = runLayer(layers_[static_cast<size_t>(i)], x, mask);
    return at::layer_norm(x, {config_.width}, finalNormWeight_, finalNormBias_, 1e-5);
}

}  // namespace tessera::engine
