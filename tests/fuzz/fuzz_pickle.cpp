// libFuzzer target for the PyTorch pickle reader (zip and legacy torch.save formats and the
// restricted unpickler): any bytes must give tensors that lie inside storages that lie inside
// the file, or a tessera::Error -- never a crash, a hang or a leak. Seeds: tests/fixtures/pickle.
// The first byte picks the entry point: whole files, or the bare unpickler (faster coverage of
// opcodes without a container around them).
#include "tests/fuzz/fuzz_target.h"

#include "core/common/error.h"
#include "core/engine/files/pickle/torch_pickle.h"
#include "core/engine/files/pickle/unpickler.h"

#include <cstdlib>

using namespace tessera::engine;

TESSERA_FUZZ_TARGET(pickle) {
    try {
        if (size > 0 && data[0] == 0x80 && (size < 4 || data[2] != 0x8a)) {
            pickle::PickleArena arena;
            const pickle::StorageResolver storages = [](const pickle::StorageRequest& r) -> int64_t {
                if (r.key.size() > 3) throw tessera::Error("no such storage");
                return 0;
            };
            const auto u = pickle::unpickle(data, size, arena, storages, "fuzz");
            if (!u.root || u.consumed > size) std::abort();
            return 0;
        }
        const auto contents = pickle::readTorchPickle(data, size, "fuzz");
        for (const auto& s : contents.storages) {
            const uint64_t bytes = uint64_t(s.numel) * dtypeSize(s.dtype);
            if (s.fileOffset > size || bytes > size - s.fileOffset) std::abort();
        }
        for (const auto& t : contents.tensors) {
            const auto& s = contents.storages.at(size_t(t.record.storage));
            int64_t last = t.record.offset;
            bool empty = false;
            for (size_t i = 0; i < t.record.sizes.size(); ++i) {
                if (t.record.sizes[i] == 0) empty = true;
                else last += (t.record.sizes[i] - 1) * t.record.strides[i];
            }
            if (!empty && (last < 0 || last >= s.numel)) std::abort();
        }
    } catch (const tessera::Error&) {
    }
    return 0;
}
