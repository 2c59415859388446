#pragma once
// A pickle virtual machine for model files that never runs code: protocols 2 to 5 as torch.save
// writes them, globals limited to allowed_globals.h (anything else is refused with its name),
// REDUCE/NEWOBJ/BUILD only on those, persistent ids only for tensor storages. Torch-free.
#include "core/engine/files/pickle/pickle_value.h"

#include <cstdint>
#include <functional>
#include <string>

namespace tessera::engine::pickle {

// A persistent id ('storage', <storage type>, key, location, numel[, view]) the pickle refers to.
struct StorageRequest {
    std::string key;
    DType dtype;
    int64_t numel = 0;
};
// Returns the storage's index in the file (the same key gives the same index); throws
// tessera::Error when the file has no such storage.
using StorageResolver = std::function<int64_t(const StorageRequest&)>;

struct Unpickled {
    PickleValue* root = nullptr;
    size_t consumed = 0;  // bytes up to and including STOP (the legacy format has pickles in a row)
};

// Runs the pickle in data[0, size). `what` names the file in errors (tessera::Error): refused
// globals ("refused global posix.system in model.ckpt: ..."), truncation, malformed opcodes.
Unpickled unpickle(const uint8_t* data, size_t size, PickleArena& arena, const StorageResolver& storages,
                   const std::string& what);

}  // namespace tessera::engine::pickle
