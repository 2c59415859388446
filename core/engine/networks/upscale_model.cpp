#include "core/engine/networks/upscale_model.h"

#include "core/common/error.h"
#include "core/engine/networks/rrdb_net.h"
#include "core/engine/networks/srvgg_net.h"
#include "core/engine/files/tensor_file.h"
#include "core/engine/compute/torch_errors.h"
#include "core/engine/files/weights.h"

#include <ATen/ATen.h>

#include <algorithm>

namespace tessera::engine {
namespace {

std::string upscaleModelShapeText(const std::vector<int64_t>& s) {
    std::string out = "[";
    for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
    return out + "]";
}

// nn.DataParallel saves every name under "module."; the pickle reader drops it, a safetensors file keeps it.
std::string dataParallelPrefix(const TensorFile& file) {
    const std::string prefix = "module.";
    if (file.entries().empty()) return {};
    for (const TensorEntry& e : file.entries())
        if (e.name.rfind(prefix, 0) != 0) return {};
    return prefix;
}

}  // namespace

UpscaleModel::UpscaleModel(const UpscaleModelConfig& config, const Weights& weights, std::string name)
    : config_(config), name_(std::move(name)), bytes_(weights.byteSize()) {
    if (const auto first = weights.find(config.arch == UpscaleArch::RrdbNet ? "conv_first.weight" : "body.0.weight"))
        device_ = first->device();
    if (config.arch == UpscaleArch::RrdbNet) rrdb_ = std::make_unique<RrdbNet>(config, weights);
    else srvgg_ = std::make_unique<SrVggNet>(config, weights);
}

UpscaleModel::~UpscaleModel() = default;

at::Tensor UpscaleModel::forward(const at::Tensor& image) const {
    if (!image.defined() || image.dim() != 4 || image.size(1) != config_.inChannels)
        throw Error("upscale model '" + name_ + "': expected an image [batch, " + std::to_string(config_.inChannels) +
                    ", height, width]");
    const at::Tensor x = image.to(device_, at::kFloat);
    try {
        return rrdb_ ? rrdb_->forward(x) : srvgg_->forward(x);
    } catch (const c10::Error& e) {
        rethrowAsError("upscale model '" + name_ + "'", e);
    }
}

at::Tensor UpscaleModel::upscale(const at::Tensor& image, UpscaleTiling tiling,
                                 const std::function<void(int64_t, int64_t)>& tileDone) const {
    for (;;) {
        try {
            return tiledUpscale(image, config_.scale, config_.outChannels, tiling,
                                [this](const at::Tensor& tile) { return forward(tile); }, tileDone);
        } catch (const Error& e) {
            const int64_t smaller = tiling.tile / 2;
            if (!isOutOfMemory(e.what()) || smaller < kSmallestUpscaleTile) throw;
            tiling.tile = smaller;
            tiling.overlap = std::min(tiling.overlap, smaller - 1);
        }
    }
}

std::shared_ptr<const UpscaleModel> loadUpscaleModelFile(const std::string& path, const at::Device& device) {
    const std::shared_ptr<TensorFile> file = openTensorFile(path);
    const std::string prefix = dataParallelPrefix(*file);
    TensorShapes shapes;
    for (const TensorEntry& e : file->entries()) shapes[e.name.substr(prefix.size())] = e.shape;
    const UpscaleModelConfig config = inferUpscaleModelConfig(shapes, path);
    const TensorShapes expected = upscaleParameterShapes(config);

    auto map = std::make_shared<Weights::Map>();
    for (const auto& [key, shape] : shapes) {
        const std::string name = canonicalUpscaleKey(config, key);
        const auto want = expected.find(name);
        if (want == expected.end())
            throw Error("'" + path + "' (" + config.describe() + "): unexpected tensor '" + prefix + key +
                        "' (a variant of the architecture Tessera does not know)");
        if (want->second != shape)
            throw Error("'" + path + "' (" + config.describe() + "): tensor '" + prefix + key + "' has shape " +
                        upscaleModelShapeText(shape) + ", expected " + upscaleModelShapeText(want->second));
        // A copy of our own: the model outlives no mapping of the file.
        (*map)[name] = file->tensor(prefix + key, at::kFloat).to(device, at::kFloat, false, true);
    }
    for (const auto& [name, shape] : expected)
        if (!map->count(name))
            throw Error("'" + path + "' (" + config.describe() + "): missing tensor '" + name + "'");
    file->checkUnchanged();
    const std::string fileName = path.substr(path.find_last_of('/') + 1);
    return std::make_shared<const UpscaleModel>(config, Weights(map), fileName);
}

}  // namespace tessera::engine
