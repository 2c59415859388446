#pragma once
// The element types a model file can store, shared by the safetensors and pickle readers.
// Torch-free so that the file parsers can be fuzzed without libtorch.
#include <cstddef>

namespace tessera::engine {

enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, Bool, F8_E4M3, F8_E5M2 };

const char* dtypeName(DType d);  // safetensors' spelling: "F32", "BF16", "BOOL", ...
size_t dtypeSize(DType d);

}  // namespace tessera::engine
