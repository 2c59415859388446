#include "core/engine/patches/diff_controlnet.h"

#include "core/common/error.h"
#include "core/engine/files/checkpoint.h"
#include "core/engine/networks/controlnet.h"
#include "core/engine/files/model_files.h"
#include "core/engine/files/tensor_file.h"

#include <ATen/ATen.h>

#include <filesystem>

namespace tessera::engine {
namespace {

const char* kDifferenceMarker = "difference";
const char* kLdmControlPrefix = "control_model.";

std::string diffControlFileName(const std::string& path) { return std::filesystem::path(path).filename().string(); }

std::string diffShapeText(const at::Tensor& t) {
    std::string s = "[";
    for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
    return s + "]";
}

}  // namespace

bool isDifferenceControlNet(const TensorFile& file) {
    return file.contains(kDifferenceMarker) && controlNetPrefixOf(file) == kLdmControlPrefix;
}

std::shared_ptr<const ControlModel> loadDiffControlNetFile(const std::string& path, const DiffusionModel& model,
                                                           const Placement& placement) {
    auto file = openTensorFile(path);
    if (isT2IAdapter(*file)) return loadControlNetFile(path, placement);
    const std::string name = diffControlFileName(path);
    const std::string prefix = controlNetPrefixOf(*file);
    if (!isDifferenceControlNet(*file)) {
        // ComfyUI loads a plain ControlNet through this node too.
        return std::make_shared<const ControlNet>(Weights::fromFile(*file, prefix, placement.dtype, placement.device));
    }
    auto map = std::make_shared<Weights::Map>();
    size_t added = 0;
    for (const auto& entry : file->entries()) {
        if (entry.name.rfind(prefix, 0) != 0) continue;
        const std::string key = entry.name.substr(prefix.size());
        at::Tensor stored = file->tensor(entry.name);
        if (const auto base = model.weights.find(key); base && stored.is_floating_point()) {
            if (!base->sizes().equals(stored.sizes()))
                throw Error("'" + name + "': difference weight '" + entry.name + "' is " + diffShapeText(stored) +
                            " but the model's '" + key + "' is " + diffShapeText(*base) +
                            " (a difference ControlNet for another base model)");
            stored = stored + base->to(at::kCPU, stored.scalar_type());
            ++added;
        }
        (*map)[key] = stored.is_floating_point() ? stored.to(placement.device, placement.dtype) : stored.to(placement.device);
    }
    if (added == 0)
        throw Error("'" + name + "' is a difference ControlNet, but none of its weights matches the model '" + model.source +
                    "' (made for another base model)");
    try {
        return std::make_shared<const ControlNet>(Weights(map));
    } catch (const Error& e) {
        throw Error("'" + name + "' (ControlNet): " + e.what());
    }
}

}  // namespace tessera::engine
