#include "core/engine/networks/upscale_model_config.h"

#include "core/common/error.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <sstream>

namespace tessera::engine {
namespace {

std::vector<std::string> splitUpscaleKey(const std::string& key) {
    std::vector<std::string> parts;
    std::string part;
    std::istringstream s(key);
    while (std::getline(s, part, '.')) parts.push_back(part);
    return parts;
}

std::optional<int64_t> parseLayerIndex(const std::string& text) {
    if (text.empty() || text.size() > 6 || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    return std::stoll(text);
}

std::string upscaleShapeText(const std::vector<int64_t>& s) {
    std::string out = "[";
    for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
    return out + "]";
}

// "N tensors, e.g. 'a', 'b', 'c'": what an unrecognised file holds.
std::string sampleOfKeys(const TensorShapes& shapes) {
    std::string out = std::to_string(shapes.size()) + " tensors";
    int n = 0;
    for (const auto& [key, shape] : shapes) {
        out += (n ? ", '" : ", e.g. '") + key + "' " + upscaleShapeText(shape);
        if (++n == 3) break;
    }
    return out;
}

const std::vector<int64_t>& requiredShape(const TensorShapes& shapes, const std::string& key, size_t dims,
                                          const std::string& path) {
    auto it = shapes.find(key);
    if (it == shapes.end()) throw Error("'" + path + "' (upscale model): missing tensor '" + key + "'");
    if (it->second.size() != dims)
        throw Error("'" + path + "' (upscale model): tensor '" + key + "' has shape " + upscaleShapeText(it->second) +
                    ", expected " + std::to_string(dims) + " dimensions");
    return it->second;
}

// A channel count read from a shape: at least 1 and small enough that the network's sizes stay in range.
int64_t channelCount(int64_t n, const std::string& what, const std::string& path) {
    constexpr int64_t kMaxChannels = int64_t{1} << 20;
    if (n < 1 || n > kMaxChannels)
        throw Error("'" + path + "' (upscale model): " + what + " has " + std::to_string(n) + " channels (expected 1 to " +
                    std::to_string(kMaxChannels) + ")");
    return n;
}

// Upscale models enlarge by 2 to 8 (x16 with four stages is the most any published layout has).
constexpr int64_t kMaxUpsamplings = 4;
constexpr int64_t kMaxSrVggScale = 16;

int64_t countWhile(const std::function<bool(int64_t)>& present) {
    int64_t n = 0;
    while (present(n)) ++n;
    return n;
}

// ESRGAN's flattened nn.Sequential after the trunk: per upsampling (Upsample, conv, LeakyReLU), then
// HR conv, LeakyReLU, last conv. The indices of those convolutions give the upsampling count.
int64_t esrganUpsamplings(const TensorShapes& shapes, const std::string& path) {
    std::vector<int64_t> convs;
    for (const auto& [key, shape] : shapes) {
        const std::vector<std::string> parts = splitUpscaleKey(key);
        if (parts.size() != 3 || parts[0] != "model" || parts[2] != "weight") continue;
        if (auto index = parseLayerIndex(parts[1]); index && *index >= 2) convs.push_back(*index);
    }
    std::sort(convs.begin(), convs.end());
    const int64_t ups = int64_t(convs.size()) - 2;
    std::vector<int64_t> expected;
    for (int64_t k = 0; k < ups; ++k) expected.push_back(3 + 3 * k);
    expected.push_back(2 + 3 * std::max<int64_t>(ups, 0));
    expected.push_back(4 + 3 * std::max<int64_t>(ups, 0));
    if (ups < 0 || convs != expected) {
        std::string found;
        for (int64_t i : convs) found += (found.empty() ? "model." : ", model.") + std::to_string(i);
        throw Error("'" + path + "' is an ESRGAN model in a layout Tessera does not know: convolutions after the trunk at " +
                    (found.empty() ? std::string("none") : found) +
                    " (expected nearest-neighbour upsampling: model.3, model.6, ... then the two final convolutions)");
    }
    return ups;
}

UpscaleModelConfig inferRrdb(const TensorShapes& canonical, bool esrganLayout, int64_t upsamplings, const std::string& path) {
    UpscaleModelConfig c;
    c.arch = UpscaleArch::RrdbNet;
    c.esrganLayout = esrganLayout;
    const std::vector<int64_t>& first = requiredShape(canonical, "conv_first.weight", 4, path);
    c.features = channelCount(first[0], "'conv_first.weight'", path);
    c.outChannels = channelCount(requiredShape(canonical, "conv_last.weight", 4, path)[0], "'conv_last.weight'", path);
    c.blocks = countWhile([&](int64_t i) { return canonical.count("body." + std::to_string(i) + ".rdb1.conv1.weight") > 0; });
    if (c.blocks == 0) throw Error("'" + path + "' (RRDBNet upscale model): no RRDB blocks ('body.0.rdb1.conv1.weight')");
    c.growth = channelCount(requiredShape(canonical, "body.0.rdb1.conv1.weight", 4, path)[0], "'body.0.rdb1.conv1.weight'", path);
    c.upsamplings = upsamplings >= 0 ? upsamplings : countWhile([&](int64_t i) {
        return canonical.count("conv_up" + std::to_string(i + 1) + ".weight") > 0;
    });
    if (c.upsamplings > kMaxUpsamplings)
        throw Error("'" + path + "' (RRDBNet upscale model): " + std::to_string(c.upsamplings) +
                    " upsampling stages; Tessera knows layouts with at most " + std::to_string(kMaxUpsamplings));
    const int64_t read = channelCount(first[1], "the input of 'conv_first.weight'", path);
    c.unshuffle = read == c.outChannels * 16 ? 4 : read == c.outChannels * 4 ? 2 : 1;
    c.inChannels = read / (c.unshuffle * c.unshuffle);
    const int64_t grown = int64_t{1} << c.upsamplings;
    if (grown % c.unshuffle != 0)
        throw Error("'" + path + "' (RRDBNet upscale model): " + std::to_string(c.upsamplings) +
                    " upsampling stage(s) cannot undo a pixel unshuffle by " + std::to_string(c.unshuffle) +
                    " (the first convolution reads " + std::to_string(read) + " channels)");
    c.scale = grown / c.unshuffle;
    return c;
}

UpscaleModelConfig inferSrVgg(const TensorShapes& shapes, const std::string& path) {
    UpscaleModelConfig c;
    c.arch = UpscaleArch::SrVggCompact;
    const std::vector<int64_t>& first = requiredShape(shapes, "body.0.weight", 4, path);
    c.features = channelCount(first[0], "'body.0.weight'", path);
    c.inChannels = c.outChannels = channelCount(first[1], "the input of 'body.0.weight'", path);
    const int64_t layers = countWhile([&](int64_t i) { return shapes.count("body." + std::to_string(i) + ".weight") > 0; });
    if (layers < 3 || layers % 2 == 0 || requiredShape(shapes, "body.1.weight", 1, path)[0] != c.features)
        throw Error("'" + path + "' is an SRVGGNetCompact model in a layout Tessera does not know: " + std::to_string(layers) +
                    " body layers with weights (expected convolutions with PReLU activations between them)");
    c.blocks = (layers - 3) / 2;
    const int64_t lastOut = requiredShape(shapes, "body." + std::to_string(layers - 1) + ".weight", 4, path)[0];
    int64_t s = 1;
    while (s < kMaxSrVggScale && s * s * c.outChannels < lastOut) ++s;
    if (s * s * c.outChannels != lastOut)
        throw Error("'" + path + "' (SRVGGNetCompact upscale model): the last convolution's " + std::to_string(lastOut) +
                    " channels are not " + std::to_string(c.outChannels) + " x scale x scale");
    c.scale = s;
    c.upsamplings = 0;
    return c;
}

}  // namespace

std::string UpscaleModelConfig::describe() const {
    if (arch == UpscaleArch::SrVggCompact)
        return "SRVGGNetCompact x" + std::to_string(scale) + ": " + std::to_string(blocks) + " convolutions, " +
               std::to_string(features) + " features";
    return "RRDBNet x" + std::to_string(scale) + (esrganLayout ? " (ESRGAN layout)" : "") + ": " + std::to_string(blocks) +
           " blocks, " + std::to_string(features) + " features, growth " + std::to_string(growth) +
           (unshuffle > 1 ? ", input pixel-unshuffled by " + std::to_string(unshuffle) : "");
}

std::string canonicalUpscaleKey(const UpscaleModelConfig& c, const std::string& key) {
    if (!c.esrganLayout) return key;
    const std::vector<std::string> p = splitUpscaleKey(key);
    if (p.size() < 3 || p[0] != "model") return {};
    const std::optional<int64_t> index = parseLayerIndex(p[1]);
    if (!index) return {};
    const std::string& param = p.back();
    if (*index == 0 && p.size() == 3) return "conv_first." + param;
    if (*index == 1 && p.size() >= 5 && p[2] == "sub") {
        const std::optional<int64_t> block = parseLayerIndex(p[3]);
        if (!block) return {};
        if (*block == c.blocks && p.size() == 5) return "conv_body." + param;
        // model.1.sub.N.RDBj.convk.0.weight
        if (p.size() == 8 && p[4].rfind("RDB", 0) == 0 && p[6] == "0")
            return "body." + p[3] + ".rdb" + p[4].substr(3) + "." + p[5] + "." + param;
        return {};
    }
    if (p.size() != 3) return {};
    for (int64_t k = 0; k < c.upsamplings; ++k)
        if (*index == 3 + 3 * k) return "conv_up" + std::to_string(k + 1) + "." + param;
    if (*index == 2 + 3 * c.upsamplings) return "conv_hr." + param;
    if (*index == 4 + 3 * c.upsamplings) return "conv_last." + param;
    return {};
}

UpscaleModelConfig inferUpscaleModelConfig(const TensorShapes& shapes, const std::string& path) {
    if (shapes.count("conv_first.weight")) return inferRrdb(shapes, false, -1, path);
    if (shapes.count("model.0.weight") && shapes.count("model.1.sub.0.RDB1.conv1.0.weight")) {
        UpscaleModelConfig probe;
        probe.esrganLayout = true;
        probe.upsamplings = esrganUpsamplings(shapes, path);
        probe.blocks = countWhile(
            [&](int64_t i) { return shapes.count("model.1.sub." + std::to_string(i) + ".RDB1.conv1.0.weight") > 0; });
        TensorShapes canonical;
        for (const auto& [key, shape] : shapes)
            if (std::string name = canonicalUpscaleKey(probe, key); !name.empty()) canonical[name] = shape;
        return inferRrdb(canonical, true, probe.upsamplings, path);
    }
    if (shapes.count("body.0.weight") && !shapes.count("body.0.rdb1.conv1.weight")) return inferSrVgg(shapes, path);
    throw Error("'" + path +
                "' is not an upscale model Tessera knows (ESRGAN / Real-ESRGAN RRDBNet with 'conv_first.weight' or "
                "'model.0.weight', SRVGGNetCompact with 'body.0.weight'); it holds " +
                (shapes.empty() ? std::string("no tensors") : sampleOfKeys(shapes)));
}

TensorShapes upscaleParameterShapes(const UpscaleModelConfig& c) {
    TensorShapes s;
    auto conv = [&](const std::string& name, int64_t out, int64_t in) {
        s[name + ".weight"] = {out, in, 3, 3};
        s[name + ".bias"] = {out};
    };
    const int64_t nf = c.features;
    if (c.arch == UpscaleArch::SrVggCompact) {
        conv("body.0", nf, c.inChannels);
        for (int64_t i = 0; i <= c.blocks; ++i) {
            s["body." + std::to_string(2 * i + 1) + ".weight"] = {nf};
            if (i < c.blocks) conv("body." + std::to_string(2 * i + 2), nf, nf);
        }
        conv("body." + std::to_string(2 * c.blocks + 2), c.outChannels * c.scale * c.scale, nf);
        return s;
    }
    conv("conv_first", nf, c.inChannels * c.unshuffle * c.unshuffle);
    for (int64_t b = 0; b < c.blocks; ++b)
        for (int r = 1; r <= 3; ++r)
            for (int k = 1; k <= 5; ++k)
                conv("body." + std::to_string(b) + ".rdb" + std::to_string(r) + ".conv" + std::to_string(k),
                     k < 5 ? c.growth : nf, nf + (k - 1) * c.growth);
    conv("conv_body", nf, nf);
    for (int64_t u = 1; u <= c.upsamplings; ++u) conv("conv_up" + std::to_string(u), nf, nf);
    conv("conv_hr", nf, nf);
    conv("conv_last", c.outChannels, nf);
    return s;
}

}  // namespace tessera::engine
