#pragma once
// Node types by name. Built-in nodes register at start-up; plugins add theirs at run time.
#include "core/graph/node_decl.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace tessera {

class Registry {
public:
    // Throws tessera::Error if the type is already registered or the declaration is malformed
    // (empty type, duplicate input names, widget default outside min/max, missing run function).
    void add(NodeDecl decl);
    const NodeDecl* find(const std::string& type) const;
    std::vector<const NodeDecl*> all() const;  // sorted by category, then display name

private:
    mutable std::mutex mutex_;
    std::map<std::string, std::shared_ptr<const NodeDecl>> decls_;
};

}  // namespace tessera
