#include "core/graph/node_decl.h"

#include "core/graph/port_types.h"

namespace tessera {

bool InputDecl::isWidget() const { return types::isWidgetType(type) && !forceInput; }

const InputDecl* NodeDecl::findInput(const std::string& name) const {
    for (const auto& in : inputs)
        if (in.name == name) return &in;
    return nullptr;
}

int NodeDecl::outputIndex(const std::string& name) const {
    for (size_t i = 0; i < outputs.size(); ++i)
        if (outputs[i].name == name) return static_cast<int>(i);
    return -1;
}

}  // namespace tessera
