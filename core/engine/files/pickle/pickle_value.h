#pragma once
// The values a restricted unpickling builds: Python's plain data (None, bool, int, float, str,
// bytes, tuple, list, dict, set), the few torch objects a state dict holds (dtypes, storages,
// tensors described by storage + offset + size + stride) and inert stand-ins for harmless
// metadata classes. All values live in one PickleArena and point at each other with plain
// pointers: cycles a hostile pickle builds cost nothing, and freeing is flat.
#include "core/engine/compute/dtype.h"

#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

namespace tessera::engine::pickle {

// A tensor as _rebuild_tensor_v2 describes it; offsets and strides count elements.
struct TensorRecord {
    int64_t storage = -1;  // index into the file's storages
    int64_t offset = 0;
    std::vector<int64_t> sizes;
    std::vector<int64_t> strides;
};

// What an allowed global is; everything not listed is refused when the pickle names it.
enum class GlobalKind {
    OrderedDict,
    RebuildTensor,       // torch._utils._rebuild_tensor_v2 / _rebuild_tensor
    RebuildParameter,    // torch._utils._rebuild_parameter (+ _with_state)
    RebuildFromTypeV2,   // torch._tensor._rebuild_from_type_v2 (plain tensors with attributes)
    TensorClass,         // torch.Tensor, torch.nn.parameter.Parameter
    StorageType,         // torch.FloatStorage, ... (dtype set)
    DTypeObject,         // torch.float16, ...
    TorchSize,           // torch.Size
    CodecsEncode,        // _codecs.encode: how protocol 2 writes bytes
    SetType,             // builtins.set / frozenset
    TypeTag,             // torch.jit._pickle.restore_type_tag(value, type): libtorch's C++ writer tags dicts
    Inert,               // harmless metadata classes: their objects become opaque placeholders
};

struct PickleValue {
    enum class Kind { None, Bool, Int, BigInt, Float, String, Bytes, Tuple, List, Dict, Set, Global, Storage, Tensor, Opaque };
    Kind kind = Kind::None;
    bool boolean = false;
    int64_t integer = 0;
    double real = 0;
    std::string text;  // String, Bytes, BigInt (little-endian two's complement), Global/Opaque: "module.name"
    std::vector<PickleValue*> items;                             // Tuple, List, Set
    std::vector<std::pair<PickleValue*, PickleValue*>> entries;  // Dict, in insertion order
    GlobalKind global = GlobalKind::Inert;                      // Global
    DType dtype = DType::F32;                                    // Global StorageType / DTypeObject
    TensorRecord tensor;                                         // Tensor; Storage uses tensor.storage

    bool isContainer() const { return kind == Kind::Tuple || kind == Kind::List || kind == Kind::Set || kind == Kind::Dict; }
    // The dict's value for a string key, or null.
    const PickleValue* get(const std::string& key) const;
};

// Python's name for a value's type, for messages ("dict", "tensor", "str").
const char* kindName(PickleValue::Kind k);

class PickleArena {
public:
    PickleValue* make(PickleValue::Kind kind) {
        values_.emplace_back();
        values_.back().kind = kind;
        return &values_.back();
    }
    size_t size() const { return values_.size(); }

private:
    std::deque<PickleValue> values_;  // stable addresses
};

}  // namespace tessera::engine::pickle
