#include "core/graph/registry.h"

#include "core/common/error.h"
#include "core/graph/port_types.h"

#include <algorithm>
#include <set>

namespace tessera {

void Registry::add(NodeDecl decl) {
    const std::string who = "node type '" + decl.type + "' (" + decl.origin + ")";
    if (decl.type.empty()) throw Error("a node type from " + decl.origin + " has no name");
    if (!decl.run) throw Error(who + " has no run function");
    std::set<std::string> names;
    for (const auto& in : decl.inputs) {
        if (in.name.empty() || !names.insert(in.name).second)
            throw Error(who + " declares input '" + in.name + "' twice or without a name");
        if (in.type.empty()) throw Error(who + ": input '" + in.name + "' has no type");
        if (in.defaultValue.isNumber()) {
            const double v = in.defaultValue.toFloat();
            if ((in.min && v < *in.min) || (in.max && v > *in.max))
                throw Error(who + ": default of '" + in.name + "' is outside its range");
        }
        if (in.type == types::Combo && !in.choices.empty() && in.defaultValue.isString() &&
            std::find(in.choices.begin(), in.choices.end(), in.defaultValue.toString()) == in.choices.end())
            throw Error(who + ": default of '" + in.name + "' is not one of its choices");
    }
    std::lock_guard lock(mutex_);
    if (decls_.count(decl.type)) throw Error(who + " is already registered");
    auto key = decl.type;
    decls_.emplace(std::move(key), std::make_shared<const NodeDecl>(std::move(decl)));
}

const NodeDecl* Registry::find(const std::string& type) const {
    std::lock_guard lock(mutex_);
    auto it = decls_.find(type);
    return it == decls_.end() ? nullptr : it->second.get();
}

std::vector<const NodeDecl*> Registry::all() const {
    std::lock_guard lock(mutex_);
    std::vector<const NodeDecl*> out;
    for (const auto& [k, d] : decls_) out.push_back(d.get());
    std::sort(out.begin(), out.end(), [](const NodeDecl* a, const NodeDecl* b) {
        return a->category != b->category ? a->category < b->category : a->displayName < b->displayName;
    });
    return out;
}

}  // namespace tessera
