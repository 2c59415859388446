#include "core/engine/files/pickle/pickle_value.h"

namespace tessera::engine::pickle {

const PickleValue* PickleValue::get(const std::string& key) const {
    if (kind != Kind::Dict) return nullptr;
    const PickleValue* found = nullptr;
    for (const auto& [k, v] : entries)
        if (k->kind == Kind::String && k->text == key) found = v;  // the last assignment wins, as in Python
    return found;
}

const char* kindName(PickleValue::Kind k) {
    switch (k) {
    case PickleValue::Kind::None: return "None";
    case PickleValue::Kind::Bool: return "bool";
    case PickleValue::Kind::Int:
    case PickleValue::Kind::BigInt: return "int";
    case PickleValue::Kind::Float: return "float";
    case PickleValue::Kind::String: return "str";
    case PickleValue::Kind::Bytes: return "bytes";
    case PickleValue::Kind::Tuple: return "tuple";
    case PickleValue::Kind::List: return "list";
    case PickleValue::Kind::Dict: return "dict";
    case PickleValue::Kind::Set: return "set";
    case PickleValue::Kind::Global: return "class or function";
    case PickleValue::Kind::Storage: return "storage";
    case PickleValue::Kind::Tensor: return "tensor";
    case PickleValue::Kind::Opaque: return "object";
    }
    return "?";
}

}  // namespace tessera::engine::pickle
