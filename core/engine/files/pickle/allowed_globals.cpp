#include "core/engine/files/pickle/allowed_globals.h"

#include "core/common/strings.h"

#include <map>

namespace tessera::engine::pickle {
namespace {

const std::map<std::string, DType>& storageTypes() {
    static const std::map<std::string, DType> types{
        {"FloatStorage", DType::F32}, {"HalfStorage", DType::F16},  {"BFloat16Storage", DType::BF16},
        {"DoubleStorage", DType::F64}, {"LongStorage", DType::I64}, {"IntStorage", DType::I32},
        {"ShortStorage", DType::I16}, {"CharStorage", DType::I8},   {"ByteStorage", DType::U8},
        {"BoolStorage", DType::Bool},
    };
    return types;
}

const std::map<std::string, DType>& dtypeNames() {
    static const std::map<std::string, DType> types{
        {"float32", DType::F32}, {"float", DType::F32},   {"float16", DType::F16}, {"half", DType::F16},
        {"bfloat16", DType::BF16}, {"float64", DType::F64}, {"double", DType::F64}, {"int64", DType::I64},
        {"long", DType::I64},    {"int32", DType::I32},   {"int", DType::I32},     {"int16", DType::I16},
        {"short", DType::I16},   {"int8", DType::I8},     {"uint8", DType::U8},    {"bool", DType::Bool},
    };
    return types;
}

bool startsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }
bool isInert(const std::string& module, const std::string& name) {
    const std::string full = module + "." + name;
    static const char* const kInert[] = {
        "torch.device", "collections.Counter", "builtins.complex", "numpy.core.multiarray.scalar",
        "numpy._core.multiarray.scalar", "numpy.dtype", "numpy.core.multiarray._reconstruct",
        "numpy._core.multiarray._reconstruct", "numpy.ndarray",
    };
    for (const char* n : kInert)
        if (full == n) return true;
    if (module == "numpy.dtypes" && endsWith(name, "DType")) return true;
    // Lightning's callback state (ModelCheckpoint, EarlyStopping, ...): classes only, stored as keys.
    return (startsWith(module, "pytorch_lightning.callbacks") || startsWith(module, "lightning.pytorch.callbacks")) &&
           !name.empty() && name.find('.') == std::string::npos;
}

}  // namespace

std::optional<AllowedGlobal> findAllowedGlobal(const std::string& module, const std::string& name) {
    if (module == "collections" && name == "OrderedDict") return AllowedGlobal{GlobalKind::OrderedDict};
    if (module == "torch._utils") {
        if (name == "_rebuild_tensor_v2" || name == "_rebuild_tensor") return AllowedGlobal{GlobalKind::RebuildTensor};
        if (name == "_rebuild_parameter" || name == "_rebuild_parameter_with_state")
            return AllowedGlobal{GlobalKind::RebuildParameter};
    }
    if (module == "torch._tensor" && name == "_rebuild_from_type_v2") return AllowedGlobal{GlobalKind::RebuildFromTypeV2};
    if ((module == "torch" && name == "Tensor") || (module == "torch.nn.parameter" && name == "Parameter"))
        return AllowedGlobal{GlobalKind::TensorClass};
    if (module == "torch") {
        if (auto it = storageTypes().find(name); it != storageTypes().end())
            return AllowedGlobal{GlobalKind::StorageType, it->second};
        if (auto it = dtypeNames().find(name); it != dtypeNames().end())
            return AllowedGlobal{GlobalKind::DTypeObject, it->second};
        if (name == "Size") return AllowedGlobal{GlobalKind::TorchSize};
    }
    if (module == "torch.jit._pickle" && name == "restore_type_tag") return AllowedGlobal{GlobalKind::TypeTag};
    if (module == "_codecs" && name == "encode") return AllowedGlobal{GlobalKind::CodecsEncode};
    if ((module == "builtins" || module == "__builtin__") && (name == "set" || name == "frozenset"))
        return AllowedGlobal{GlobalKind::SetType};
    if (isInert(module, name)) return AllowedGlobal{GlobalKind::Inert};
    return std::nullopt;
}

}  // namespace tessera::engine::pickle
