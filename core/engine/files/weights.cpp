#include "core/engine/files/weights.h"

#include "core/common/error.h"
#include "core/engine/compute/fused_ops.h"
#include "core/engine/files/tensor_file.h"
#include "core/engine/files/weight_arena.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <cstring>
#include <vector>

namespace tessera::engine {

namespace {

// CPU bfloat16 convolution kernels larger than 1x1 are kept channels-last ([O, KH, KW, I] in memory), the
// layout of the channels-last convolutions they feed: libtorch 1.13 otherwise copies each such kernel into
// that layout on every call (element by element; 0.4 s of a single-thread SD1.5 UNet call). Permuted in
// place, one output channel at a time; same values, only the strides change.
bool isBf16SpatialKernel(const at::Tensor& t) {
    return t.dim() == 4 && t.scalar_type() == at::kBFloat16 && t.size(2) * t.size(3) > 1 && t.size(1) > 1 &&
           t.is_contiguous();
}

at::Tensor kernelToChannelsLast(const at::Tensor& t) {
    const int64_t outputs = t.size(0), inputs = t.size(1), taps = t.size(2) * t.size(3);
    auto* data = static_cast<uint16_t*>(t.data_ptr());
    at::parallel_for(0, outputs, 1, [&](int64_t begin, int64_t end) {
        std::vector<uint16_t> permuted(static_cast<size_t>(inputs * taps));
        for (int64_t o = begin; o < end; ++o) {
            uint16_t* block = data + o * inputs * taps;
            for (int64_t i = 0; i < inputs; ++i)
                for (int64_t k = 0; k < taps; ++k) permuted[size_t(k * inputs + i)] = block[i * taps + k];
            std::memcpy(block, permuted.data(), permuted.size() * sizeof(uint16_t));
        }
    });
    return t.as_strided(t.sizes(), {inputs * taps, 1, t.size(3) * inputs, inputs});
}

}  // namespace

Weights::Weights() : map_(std::make_shared<Map>()) {}

Weights::Weights(std::shared_ptr<Map> map, std::string prefix) : map_(std::move(map)), prefix_(std::move(prefix)) {}

Weights Weights::fromFile(const TensorFile& file, const std::string& stripPrefix, at::ScalarType dtype,
                          at::Device device, HalfStorage half) {
    auto map = std::make_shared<Map>();
    std::vector<std::pair<const TensorEntry*, at::Tensor>> picked;
    size_t arenaBytes = 0;
    const bool keepHalf = half == HalfStorage::KeepMatrices && device.is_cpu() && dtype == at::kFloat;
    auto targetType = [&](const at::Tensor& stored) {
        if (!stored.is_floating_point()) return stored.scalar_type();
        return keepHalf && stored.scalar_type() == at::kHalf && stored.dim() >= 2 ? at::kHalf : dtype;
    };
    for (const auto& e : file.entries()) {
        if (e.name.compare(0, stripPrefix.size(), stripPrefix) != 0) continue;
        at::Tensor stored = file.tensor(e.name);
        if (device.is_cpu()) arenaBytes += WeightArena::bytesFor(stored.sizes(), targetType(stored));
        picked.emplace_back(&e, std::move(stored));
    }
    // Every CPU tensor lands in one huge-page arena, converted by vectorised loops on all threads. Tensors
    // already of the right type are copied too: a view of the file's mapping would crash the process
    // (SIGBUS) when another program truncates the file while the model is in use.
    const auto arena = arenaBytes ? WeightArena::create(arenaBytes) : nullptr;
    for (auto& [e, stored] : picked) {
        at::Tensor t;
        if (arena) {
            file.prefault(e->name);
            t = arena->allocate(stored.sizes(), targetType(stored));
            fused::convertInto(stored, t);
            if (isBf16SpatialKernel(t)) t = kernelToChannelsLast(t);
        } else {
            t = stored.is_floating_point() ? stored.to(device, dtype) : stored.to(device);
        }
        // Copied into its own memory: the file's pages need not stay resident (no second copy).
        if (!t.is_same(stored) && t.data_ptr() != stored.data_ptr()) file.releasePages(e->name);
        (*map)[e->name.substr(stripPrefix.size())] = t;
        stored = at::Tensor();
    }
    file.checkUnchanged();
    return Weights(map);
}

at::Tensor Weights::get(const std::string& key) const {
    auto it = map_->find(prefix_ + key);
    if (it == map_->end()) throw Error("missing weight '" + prefix_ + key + "' (the file is not of the expected kind, or is damaged)");
    return it->second;
}

std::optional<at::Tensor> Weights::find(const std::string& key) const {
    auto it = map_->find(prefix_ + key);
    if (it == map_->end()) return std::nullopt;
    return it->second;
}

bool Weights::has(const std::string& key) const { return map_->count(prefix_ + key) != 0; }

bool Weights::hasModule(const std::string& sub) const {
    const std::string p = prefix_ + sub + ".";
    auto it = map_->lower_bound(p);
    return it != map_->end() && it->first.compare(0, p.size(), p) == 0;
}

Weights Weights::sub(const std::string& module) const { return Weights(map_, prefix_ + module + "."); }

std::vector<std::string> Weights::keys() const {
    std::vector<std::string> out;
    for (auto it = map_->lower_bound(prefix_); it != map_->end() && it->first.compare(0, prefix_.size(), prefix_) == 0;
         ++it)
        out.push_back(it->first.substr(prefix_.size()));
    return out;
}

bool Weights::empty() const {
    auto it = map_->lower_bound(prefix_);
    return !(it != map_->end() && it->first.compare(0, prefix_.size(), prefix_) == 0);
}

void Weights::set(const std::string& key, const at::Tensor& value) {
    auto it = map_->find(prefix_ + key);
    if (it == map_->end()) throw Error("cannot replace missing weight '" + prefix_ + key + "'");
    it->second = value;
}

Weights Weights::detachedCopy() const { return Weights(std::make_shared<Map>(*map_), prefix_); }

Weights Weights::to(at::ScalarType dtype, const at::Device& device) const {
    auto map = std::make_shared<Map>();
    for (const auto& [k, v] : *map_) (*map)[k] = v.is_floating_point() ? v.to(device, dtype) : v.to(device);
    return Weights(map, prefix_);
}

size_t Weights::byteSize() const {
    size_t n = 0;
    for (const auto& [k, v] : *map_) n += v.numel() * v.element_size();
    return n;
}

}  // namespace tessera::engine
