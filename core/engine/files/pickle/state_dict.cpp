#include "core/engine/files/pickle/state_dict.h"

#include "core/common/error.h"

#include <cstdio>
#include <map>
#include <set>

namespace tessera::engine::pickle {
namespace {

using Kind = PickleValue::Kind;
constexpr int kMaxNesting = 8;

// Every dict is walked at most once (`seen`): a hostile pickle can share one dict many times over.
bool holdsTensors(const PickleValue* v, int depth, std::set<const PickleValue*>& seen) {
    if (!v || v->kind != Kind::Dict || depth > kMaxNesting || !seen.insert(v).second) return false;
    for (const auto& [k, x] : v->entries)
        if (x->kind == Kind::Tensor || holdsTensors(x, depth + 1, seen)) return true;
    return false;
}
bool holdsTensors(const PickleValue* v) {
    std::set<const PickleValue*> seen;
    return holdsTensors(v, 0, seen);
}

void flattenValue(const PickleValue* v, const std::string& name, int depth, std::set<const PickleValue*>& seen,
                  std::map<std::string, const PickleValue*>& out);

void flatten(const PickleValue* dict, const std::string& prefix, int depth, std::set<const PickleValue*>& seen,
             std::map<std::string, const PickleValue*>& out) {
    if (depth > kMaxNesting || !seen.insert(dict).second) return;
    for (const auto& [k, v] : dict->entries) {
        std::string key;
        if (k->kind == Kind::String) key = k->text;
        else if (k->kind == Kind::Int) key = std::to_string(k->integer);
        else continue;  // Lightning's callback classes used as keys
        flattenValue(v, prefix + key, depth, seen, out);
    }
}

// Tuples and lists count their items (hypernetworks: {320: (k_state_dict, v_state_dict)} -> "320.0.*").
void flattenValue(const PickleValue* v, const std::string& name, int depth, std::set<const PickleValue*>& seen,
                  std::map<std::string, const PickleValue*>& out) {
    if (v->kind == Kind::Tensor) {
        out[name] = v;  // the last assignment wins, as in Python
    } else if (v->kind == Kind::Dict) {
        flatten(v, name + ".", depth + 1, seen, out);
    } else if ((v->kind == Kind::Tuple || v->kind == Kind::List) && depth < kMaxNesting && seen.insert(v).second) {
        for (size_t i = 0; i < v->items.size(); ++i) flattenValue(v->items[i], name + "." + std::to_string(i), depth + 1, seen, out);
    }
}

const PickleValue* unwrap(const PickleValue* root, std::vector<std::string>& notes) {
    for (const char* key : {"state_dict", "params_ema", "params-ema", "params", "model_state_dict", "model", "net"}) {
        const PickleValue* v = root->get(key);
        if (holdsTensors(v)) {
            notes.push_back(std::string("the tensors of its \"") + key + "\" entry");
            return v;
        }
    }
    if (root->entries.size() == 1 && holdsTensors(root->entries[0].second) && root->entries[0].first->kind == Kind::String) {
        notes.push_back("the tensors of its only entry \"" + root->entries[0].first->text + "\"");
        return root->entries[0].second;
    }
    return root;
}

}  // namespace

std::vector<TensorSpec> stateDictTensors(const PickleValue* root, std::vector<std::string>& notes, const std::string& what) {
    if (root->kind != Kind::Dict)
        throw Error("'" + what + "' holds a " + kindName(root->kind) +
                    ", not a state dict (a dictionary of named tensors); whole pickled models are not supported");
    std::map<std::string, const PickleValue*> named;
    std::set<const PickleValue*> seen;
    flatten(unwrap(root, notes), "", 0, seen, named);
    if (named.empty()) throw Error("'" + what + "' holds no tensors");

    bool allModule = true;
    for (const auto& [name, v] : named) allModule = allModule && name.rfind("module.", 0) == 0;
    std::vector<TensorSpec> out;
    for (const auto& [name, v] : named) out.push_back({allModule ? name.substr(7) : name, v->dtype, v->tensor});
    if (allModule) notes.push_back("names without their \"module.\" prefix");
    return out;
}

std::map<std::string, std::string> rootMetadata(const PickleValue* root) {
    std::map<std::string, std::string> out;
    if (root->kind != Kind::Dict) return out;
    for (const auto& [k, v] : root->entries) {
        if (k->kind != Kind::String) continue;
        if (v->kind == Kind::String) out[k->text] = v->text;
        else if (v->kind == Kind::Bool) out[k->text] = v->boolean ? "True" : "False";
        else if (v->kind == Kind::Int) out[k->text] = std::to_string(v->integer);
        else if (v->kind == Kind::Float) {
            char text[32];
            std::snprintf(text, sizeof text, "%.17g", v->real);
            out[k->text] = text;
        }
    }
    return out;
}

}  // namespace tessera::engine::pickle
