#include "core/engine/files/pickle/torch_pickle.h"

#include "core/common/error.h"
#include "core/engine/files/pickle/state_dict.h"

#include <map>
#include <memory>

namespace tessera::engine::pickle {
namespace {

constexpr size_t kMaxDims = 64;

// The tensor's elements, offset + sum((size_i - 1) * stride_i), must lie inside its storage.
void checkExtent(const TensorSpec& t, const StorageSpan& s, const std::string& what) {
    const TensorRecord& r = t.record;
    auto bad = [&](const std::string& problem) {
        throw Error("'" + what + "': tensor '" + t.name + "' " + problem + " (file damaged?)");
    };
    if (r.sizes.size() > kMaxDims) bad("has too many dimensions");
    if (r.offset < 0) bad("has a negative storage offset");
    uint64_t last = static_cast<uint64_t>(r.offset);
    bool empty = false;
    for (size_t i = 0; i < r.sizes.size(); ++i) {
        if (r.sizes[i] < 0 || r.strides[i] < 0) bad("has a negative size or stride");
        if (r.sizes[i] == 0) empty = true;
    }
    if (empty) return;
    constexpr uint64_t kLimit = uint64_t(1) << 62;
    for (size_t i = 0; i < r.sizes.size(); ++i) {
        const uint64_t size = static_cast<uint64_t>(r.sizes[i]) - 1, stride = static_cast<uint64_t>(r.strides[i]);
        if (size && stride > kLimit / size) bad("is impossibly large");
        last += size * stride;
        if (last > kLimit) bad("is impossibly large");
    }
    if (last >= static_cast<uint64_t>(s.numel))
        bad("reaches element " + std::to_string(last) + " of a storage of " + std::to_string(s.numel) + " elements");
}

}  // namespace

StorageResolver storageResolver(std::vector<StorageSpan>& storages, const std::string& what, StorageLocator locate) {
    auto indexOfKey = std::make_shared<std::map<std::string, int64_t>>();
    return [&storages, what, locate = std::move(locate), indexOfKey](const StorageRequest& r) -> int64_t {
        if (auto it = indexOfKey->find(r.key); it != indexOfKey->end()) {
            if (storages[size_t(it->second)].dtype != r.dtype)
                throw Error("'" + what + "': storage '" + r.key + "' is used with two different element types");
            return it->second;
        }
        storages.push_back({r.key, r.dtype, r.numel, locate(r)});
        return (*indexOfKey)[r.key] = int64_t(storages.size()) - 1;
    };
}

TorchPickleContents readTorchPickle(const uint8_t* data, uint64_t size, const std::string& what) {
    RawCheckpoint raw;
    if (looksLikeZip(data, size)) raw = readZipCheckpoint(data, size, what);
    else if (looksLikeLegacyPickle(data, size)) raw = readLegacyCheckpoint(data, size, what);
    else throw Error("'" + what + "' is neither a PyTorch zip checkpoint nor a legacy torch.save file");

    TorchPickleContents out;
    out.format = raw.format;
    out.tensors = stateDictTensors(raw.root, out.notes, what);
    out.metadata = rootMetadata(raw.root);
    for (const TensorSpec& t : out.tensors) checkExtent(t, raw.storages.at(static_cast<size_t>(t.record.storage)), what);
    out.storages = std::move(raw.storages);
    return out;
}

}  // namespace tessera::engine::pickle
