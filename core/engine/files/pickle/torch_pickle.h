#pragma once
// What a torch.save file holds, read without running code: the tensors of its state dict as
// (storage, offset, sizes, strides) over storages that lie in the file. Both formats:
//   zip (PyTorch >= 1.6): <prefix>/data.pkl + <prefix>/data/<key> per storage, stored uncompressed;
//   legacy: magic number, protocol, sys_info pickles, the object pickle, the storage keys, then each
//   storage as an 8-byte element count and its bytes.
// Every tensor's extent is checked to lie inside its storage. Torch-free (fuzzed as is).
#include "core/engine/files/pickle/pickle_value.h"
#include "core/engine/files/pickle/unpickler.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tessera::engine::pickle {

struct StorageSpan {
    std::string key;
    DType dtype = DType::F32;
    int64_t numel = 0;
    uint64_t fileOffset = 0;  // numel * dtypeSize(dtype) bytes from here
};

struct TensorSpec {
    std::string name;  // flattened as ComfyUI sees the state dict
    DType dtype = DType::F32;
    TensorRecord record;
};

struct TorchPickleContents {
    std::string format;  // "zip" or "legacy"
    std::vector<StorageSpan> storages;
    std::vector<TensorSpec> tensors;  // sorted by name
    std::vector<std::string> notes;   // what was unwrapped ("state_dict", "module." prefix)
    std::map<std::string, std::string> metadata;  // the root's plain entries (rootMetadata)
};

// The object pickle and its storages before the state dict is picked.
struct RawCheckpoint {
    std::string format;
    std::unique_ptr<PickleArena> arena = std::make_unique<PickleArena>();
    const PickleValue* root = nullptr;
    std::vector<StorageSpan> storages;
};

// Throws tessera::Error naming `what` (the file) and the problem.
TorchPickleContents readTorchPickle(const uint8_t* data, uint64_t size, const std::string& what);

// The two container formats (zip_checkpoint.cpp, legacy_checkpoint.cpp).
RawCheckpoint readZipCheckpoint(const uint8_t* data, uint64_t size, const std::string& what);
RawCheckpoint readLegacyCheckpoint(const uint8_t* data, uint64_t size, const std::string& what);

// Where a new storage's bytes start in the file; throws tessera::Error when the file has no
// storage of that key and size. The legacy format learns the offsets after the object pickle: 0.
using StorageLocator = std::function<uint64_t(const StorageRequest&)>;
// The resolver both formats unpickle with: one index in `storages` per key (appended on first use,
// located once), and an error naming `what` when a key is used with two element types.
StorageResolver storageResolver(std::vector<StorageSpan>& storages, const std::string& what, StorageLocator locate);

bool looksLikeZip(const uint8_t* data, uint64_t size);
bool looksLikeLegacyPickle(const uint8_t* data, uint64_t size);

}  // namespace tessera::engine::pickle
