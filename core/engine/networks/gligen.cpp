#include "core/engine/networks/gligen.h"

#include "core/common/error.h"
#include "core/engine/compute/fused_ops.h"
#include "core/engine/compute/shape_text.h"
#include "core/engine/files/tensor_file.h"
#include "core/engine/files/weights.h"

#include <ATen/ATen.h>

#include <array>
#include <map>
#include <regex>

namespace tessera::engine {
namespace {

constexpr int kGligenFourierFrequencies = 8;

void requireGligenShape(const Weights& w, const std::string& key, const at::Tensor& t, std::vector<int64_t> want) {
    if (t.sizes() != at::IntArrayRef(want))
        throw Error("GLIGEN tensor '" + w.fullName(key) + "' has shape " + shapeText(t.sizes()) + ", expected " +
                    shapeText(want));
}

// Where a fuser sits: (section 0/1/2 = input/middle/output, block, layer, transformer block).
using FuserPlace = std::array<int, 4>;

std::map<FuserPlace, std::string> findFusers(const Weights& w) {
    static const std::regex place(R"((?:^|\.)(input_blocks|middle_block|output_blocks)\.(\d+)(?:\.(\d+))?\.transformer_blocks\.(\d+)\.fuser$)");
    std::map<FuserPlace, std::string> found;
    for (const std::string& key : w.keys()) {
        const size_t at = key.find(".fuser.");
        if (at == std::string::npos) continue;
        const std::string module = key.substr(0, at + 6);
        std::smatch m;
        if (!std::regex_search(module, m, place))
            throw Error("GLIGEN tensor '" + key + "' is not under input_blocks, middle_block or output_blocks");
        const int section = m[1] == "input_blocks" ? 0 : m[1] == "middle_block" ? 1 : 2;
        found[{section, std::stoi(m[2]), m[3].matched ? std::stoi(m[3]) : 0, std::stoi(m[4])}] = module;
    }
    return found;
}

}  // namespace

at::Tensor gligenFourierEmbedding(const at::Tensor& boxes, int frequencies) {
    std::vector<at::Tensor> parts;
    const at::Tensor bands = at::pow(100.0, at::arange(frequencies, boxes.options().dtype(at::kFloat)) / frequencies);
    for (int i = 0; i < frequencies; ++i) {
        const at::Tensor scaled = bands[i].to(boxes.scalar_type()) * boxes;
        parts.push_back(at::sin(scaled));
        parts.push_back(at::cos(scaled));
    }
    return at::cat(parts, -1);
}

GligenPositionNet GligenPositionNet::load(const Weights& w) {
    GligenPositionNet p;
    p.nullPositive = w("null_positive_feature");
    p.nullPosition = w("null_position_feature");
    p.linear1 = Linear::load(w.sub("linears.0"));
    p.linear2 = Linear::load(w.sub("linears.2"));
    p.linear3 = Linear::load(w.sub("linears.4"));
    const int64_t positionDim = 4 * 2 * kGligenFourierFrequencies;
    if (p.nullPositive.dim() != 1) throw Error("GLIGEN tensor '" + w.fullName("null_positive_feature") + "' is not a vector");
    requireGligenShape(w, "null_position_feature", p.nullPosition, {positionDim});
    const int64_t hidden = p.linear1.weight.size(0);
    requireGligenShape(w, "linears.0.weight", p.linear1.weight, {hidden, p.phraseDim() + positionDim});
    requireGligenShape(w, "linears.2.weight", p.linear2.weight, {hidden, hidden});
    if (p.linear3.weight.dim() != 2 || p.linear3.weight.size(1) != hidden)
        throw Error("GLIGEN tensor '" + w.fullName("linears.4.weight") + "' has shape " + shapeText(p.linear3.weight.sizes()) +
                    ", expected [*, " + std::to_string(hidden) + "]");
    return p;
}

at::Tensor GligenPositionNet::forward(const at::Tensor& boxes, const at::Tensor& masks, const at::Tensor& phrases) const {
    const at::Tensor m = masks.unsqueeze(-1).to(boxes.scalar_type());
    const at::Tensor position = gligenFourierEmbedding(boxes, kGligenFourierFrequencies);
    const at::Tensor positive = phrases * m + (1 - m) * nullPositive.to(boxes.options()).view({1, 1, -1});
    const at::Tensor xyxy = position * m + (1 - m) * nullPosition.to(boxes.options()).view({1, 1, -1});
    at::Tensor h = at::silu(linear1(at::cat({positive, xyxy}, -1)));
    h = at::silu(linear2(h));
    return linear3(h);
}

GatedSelfAttention GatedSelfAttention::load(const Weights& w) {
    GatedSelfAttention g;
    g.tokenProjection = Linear::load(w.sub("linear"));
    g.norm1 = LayerNorm::load(w.sub("norm1"));
    g.norm2 = LayerNorm::load(w.sub("norm2"));
    g.geglu = Linear::load(w.sub("ff.net.0.proj"));
    g.ffOut = Linear::load(w.sub("ff.net.2"));
    g.alphaAttention = w("alpha_attn");
    g.alphaDense = w("alpha_dense");
    const Weights a = w.sub("attn");
    g.attention.toQ = Linear::load(a.sub("to_q"));
    g.attention.toK = Linear::load(a.sub("to_k"));
    g.attention.toV = Linear::load(a.sub("to_v"));
    g.attention.toOut = Linear::load(a.sub("to_out.0"));
    if (g.tokenProjection.weight.dim() != 2)
        throw Error("GLIGEN tensor '" + w.fullName("linear.weight") + "' is not a matrix");
    const int64_t c = g.channels();
    for (const char* key : {"attn.to_q.weight", "attn.to_k.weight", "attn.to_v.weight", "attn.to_out.0.weight"})
        requireGligenShape(w, key, w(key), {c, c});
    requireGligenShape(w, "ff.net.0.proj.weight", g.geglu.weight, {8 * c, c});
    requireGligenShape(w, "ff.net.2.weight", g.ffOut.weight, {c, 4 * c});
    requireGligenShape(w, "norm1.weight", g.norm1.weight, {c});
    requireGligenShape(w, "norm2.weight", g.norm2.weight, {c});
    if (g.alphaAttention.numel() != 1 || g.alphaDense.numel() != 1)
        throw Error("GLIGEN tensors '" + w.fullName("alpha_attn") + "' and 'alpha_dense' must be scalars");
    return g;
}

at::Tensor GatedSelfAttention::forward(const at::Tensor& x, const at::Tensor& tokens, int heads) const {
    if (x.size(-1) != channels())
        throw Error("a GLIGEN fuser for " + std::to_string(channels()) + " channels met a transformer block of " +
                    std::to_string(x.size(-1)) + " (GLIGEN file for another model family?)");
    if (channels() % heads != 0)
        throw Error("a GLIGEN fuser's " + std::to_string(channels()) + " channels cannot be split into " +
                    std::to_string(heads) + " heads");
    // In the fuser's own precision (float32 as loaded), also inside a reduced-precision UNet.
    const at::ScalarType own = tokenProjection.weight.scalar_type();
    const at::Tensor h = x.to(own);
    const int64_t visual = h.size(1);
    const at::Tensor objects = tokenProjection(tokens.to(h.device(), own));
    const at::Tensor joint = norm1(at::cat({h, objects.expand({h.size(0), -1, -1})}, 1));
    CrossAttention self = attention;
    self.heads = heads;
    const at::Tensor attended = self.forward(joint, at::Tensor(), AttentionOptions{}).narrow(1, 0, visual);
    at::Tensor out = h + at::tanh(alphaAttention) * attended;
    out = out + at::tanh(alphaDense) * ffOut(fused::geglu(geglu(norm2(out))));
    return out.to(x.scalar_type());
}

GligenModel::GligenModel(const Weights& weights, const std::string& source) : source_(source), bytes_(weights.byteSize()) {
    if (!weights.hasModule("position_net"))
        throw Error("'" + source + "' is not a GLIGEN model: it has no position_net.* tensors");
    try {
        positionNet_ = GligenPositionNet::load(weights.sub("position_net"));
        for (const auto& [place, module] : findFusers(weights)) {
            fusers_.push_back(GatedSelfAttention::load(weights.sub(module)));
            if (fusers_.back().tokenDim() != positionNet_.tokenDim())
                throw Error("GLIGEN fuser '" + module + "' reads tokens of width " + std::to_string(fusers_.back().tokenDim()) +
                            " but the position net makes " + std::to_string(positionNet_.tokenDim()));
        }
    } catch (const Error& e) {
        throw Error("'" + source + "': " + e.what());
    }
    if (fusers_.empty()) throw Error("'" + source + "' is not a GLIGEN model: it has no *.fuser.* tensors");
}

std::shared_ptr<const GligenModel> loadGligenFile(const std::string& path, at::Device device) {
    const std::shared_ptr<TensorFile> file = openTensorFile(path);
    auto model = std::make_shared<const GligenModel>(Weights::fromFile(*file, "", at::kFloat, device), path);
    file->checkUnchanged();
    return model;
}

}  // namespace tessera::engine
