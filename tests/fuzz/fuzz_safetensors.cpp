// libFuzzer target for the safetensors header parser: any bytes must give a header whose
// tensors all lie inside the file without overlapping, or a tessera::Error — never a crash.
#include "tests/fuzz/fuzz_target.h"

#include "core/common/error.h"
#include "core/engine/files/safetensors.h"

#include <cstdlib>

TESSERA_FUZZ_TARGET(safetensors) {
    try {
        const auto h = tessera::engine::parseSafetensorsHeader(data, size, size, "fuzz");
        const uint64_t dataSize = size - h.dataOffset;
        for (const auto& e : h.entries) {
            if (e.end > dataSize || e.begin > e.end) std::abort();
            if (uint64_t(e.numel()) * tessera::engine::dtypeSize(e.dtype) != e.end - e.begin) std::abort();
        }
    } catch (const tessera::Error&) {
    }
    return 0;
}
