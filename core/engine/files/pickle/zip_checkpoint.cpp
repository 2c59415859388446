// torch.save's zip format: <prefix>/data.pkl refers to storages <prefix>/data/<key>.
#include "core/common/error.h"
#include "core/common/strings.h"
#include "core/engine/files/pickle/torch_pickle.h"
#include "core/engine/files/pickle/unpickler.h"
#include "core/engine/files/pickle/zip_archive.h"

#include <map>

namespace tessera::engine::pickle {
namespace {

}  // namespace

bool looksLikeZip(const uint8_t* data, uint64_t size) {
    return size >= 4 && data[0] == 'P' && data[1] == 'K' && data[2] == 3 && data[3] == 4;
}

RawCheckpoint readZipCheckpoint(const uint8_t* data, uint64_t size, const std::string& what) {
    const std::vector<ZipEntry> entries = readZipDirectory(data, size, what);
    std::map<std::string, const ZipEntry*> byName;
    const ZipEntry* pickle = nullptr;
    bool torchScript = false;
    for (const ZipEntry& e : entries) {
        byName[e.name] = &e;
        const auto slash = e.name.find('/');
        if (slash != std::string::npos && e.name.substr(slash + 1) == "data.pkl") pickle = &e;
        if (endsWith(e.name, "/constants.pkl") || e.name.find("/code/") != std::string::npos) torchScript = true;
    }
    if (torchScript)
        throw Error("'" + what + "' is a TorchScript archive (torch.jit.save), which holds code; Tessera reads only "
                    "state dicts saved with torch.save");
    if (!pickle) throw Error("'" + what + "' is a zip file but not a PyTorch checkpoint (it has no data.pkl)");
    const std::string prefix = pickle->name.substr(0, pickle->name.size() - std::string("data.pkl").size());
    if (auto it = byName.find(prefix + "byteorder"); it != byName.end()) {
        const std::string order(reinterpret_cast<const char*>(data + it->second->offset), it->second->size);
        if (order != "little")
            throw Error("'" + what + "' stores its tensors " + order + "-endian; Tessera reads little-endian files only");
    }

    RawCheckpoint raw;
    raw.format = "zip";
    const StorageResolver resolve = storageResolver(raw.storages, what, [&](const StorageRequest& r) -> uint64_t {
        const auto entry = byName.find(prefix + "data/" + r.key);
        if (entry == byName.end())
            throw Error("'" + what + "': storage '" + r.key + "' is missing from the archive (file damaged?)");
        const uint64_t elementSize = dtypeSize(r.dtype);
        if (uint64_t(r.numel) > entry->second->size / elementSize ||
            uint64_t(r.numel) * elementSize != entry->second->size)
            throw Error("'" + what + "': storage '" + r.key + "' should hold " + std::to_string(r.numel) + " elements of " +
                        std::to_string(elementSize) + " bytes but has " + std::to_string(entry->second->size) +
                        " bytes (file damaged?)");
        return entry->second->offset;
    });
    raw.root = unpickle(data + pickle->offset, pickle->size, *raw.arena, resolve, what).root;
    return raw;
}

}  // namespace tessera::engine::pickle
