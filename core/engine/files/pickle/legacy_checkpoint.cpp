// torch.save's format before PyTorch 1.6 (_use_new_zipfile_serialization=False): pickles in a
// row (magic number, protocol version, sys_info, the object, the storage keys), then each storage
// as an 8-byte little-endian element count followed by its bytes.
#include "core/common/error.h"
#include "core/engine/files/pickle/torch_pickle.h"
#include "core/engine/files/pickle/unpickler.h"

#include <map>

namespace tessera::engine::pickle {
namespace {

// 0x1950a86a20f9469cfc6c as pickle's LONG1 writes it: little-endian two's complement.
const std::string kMagic("\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19", 10);
constexpr int64_t kProtocolVersion = 1001;

}  // namespace

bool looksLikeLegacyPickle(const uint8_t* data, uint64_t size) {
    return size >= 4 && data[0] == 0x80 && data[1] >= 2 && data[1] <= 5 && data[2] == 0x8a && data[3] == 10;
}

RawCheckpoint readLegacyCheckpoint(const uint8_t* data, uint64_t size, const std::string& what) {
    RawCheckpoint raw;
    raw.format = "legacy";
    PickleArena& arena = *raw.arena;
    uint64_t pos = 0;
    const StorageResolver noStorages = [&](const StorageRequest&) -> int64_t {
        throw Error("'" + what + "': a storage outside the object pickle (file damaged?)");
    };
    auto next = [&](const StorageResolver& storages) {
        const Unpickled u = unpickle(data + pos, size - pos, arena, storages, what);
        pos += u.consumed;
        return u.root;
    };
    const PickleValue* magic = next(noStorages);
    if (magic->kind != PickleValue::Kind::BigInt || magic->text != kMagic)
        throw Error("'" + what + "' is a pickle but not a PyTorch checkpoint (no torch.save magic number)");
    const PickleValue* version = next(noStorages);
    if (version->kind != PickleValue::Kind::Int || version->integer != kProtocolVersion)
        throw Error("'" + what + "': unknown PyTorch legacy format version");
    const PickleValue* sysInfo = next(noStorages);
    const PickleValue* little = sysInfo->get("little_endian");
    if (little && little->kind == PickleValue::Kind::Bool && !little->boolean)
        throw Error("'" + what + "' was saved on a big-endian machine; Tessera reads little-endian files only");

    // Offsets are known only once the storage key list is read, below.
    const StorageResolver resolve = storageResolver(raw.storages, what, [](const StorageRequest&) -> uint64_t { return 0; });
    raw.root = next(resolve);
    const PickleValue* keys = next(noStorages);
    if (keys->kind != PickleValue::Kind::List) throw Error("'" + what + "': the storage key list is missing");

    std::map<std::string, size_t> indexOfKey;
    for (size_t i = 0; i < raw.storages.size(); ++i) indexOfKey[raw.storages[i].key] = i;
    std::vector<bool> located(raw.storages.size(), false);
    for (const PickleValue* key : keys->items) {
        const auto it = key->kind == PickleValue::Kind::String ? indexOfKey.find(key->text) : indexOfKey.end();
        if (it == indexOfKey.end()) throw Error("'" + what + "': the storage key list names a storage no tensor uses");
        StorageSpan& s = raw.storages[it->second];
        if (located[it->second]) throw Error("'" + what + "': storage '" + s.key + "' is listed twice (file damaged?)");
        if (size - pos < 8) throw Error("'" + what + "': storage '" + s.key + "' is cut off (file truncated?)");
        uint64_t count = 0;
        for (int i = 7; i >= 0; --i) count = (count << 8) | data[pos + i];
        if (count != uint64_t(s.numel))
            throw Error("'" + what + "': storage '" + s.key + "' should hold " + std::to_string(s.numel) +
                        " elements but its header says " + std::to_string(count) + " (file damaged?)");
        const uint64_t bytes = count * dtypeSize(s.dtype);
        if (count > (size - pos - 8) / dtypeSize(s.dtype))
            throw Error("'" + what + "': storage '" + s.key + "' is cut off (file truncated?)");
        s.fileOffset = pos + 8;
        pos += 8 + bytes;
        located[it->second] = true;
    }
    for (size_t i = 0; i < located.size(); ++i)
        if (!located[i]) throw Error("'" + what + "': storage '" + raw.storages[i].key + "' has no data (file truncated?)");
    return raw;
}

}  // namespace tessera::engine::pickle
