// ComfyUI's primitive nodes (comfy_extras/nodes_primitive.py): one value, typed, to feed widget inputs of other
// nodes (PrimitiveInt, PrimitiveFloat, PrimitiveString, PrimitiveStringMultiline, PrimitiveBoolean).
#include "nodes/builtin_nodes.h"
#include "core/graph/port_types.h"
#include "nodes/decl_helpers.h"

#include <limits>

namespace tessera::nodes {
namespace {

NodeDecl primitive(const std::string& nodeType, const std::string& displayName, InputDecl value) {
    NodeDecl d = makeDecl(nodeType, displayName, "utils/primitive",
                          "One " + value.type + " value, to link into the inputs of other nodes.");
    const std::string type = value.type;
    d.outputs = {output(type, type)};
    d.inputs = {std::move(value)};
    // The value as its own type (a saved FLOAT may read back as a whole number).
    d.run = [type](NodeContext& ctx) {
        if (type == types::Int) return std::vector<Value>{Value(ctx.getInt("value"))};
        if (type == types::Float) return std::vector<Value>{Value(ctx.getFloat("value"))};
        if (type == types::Boolean) return std::vector<Value>{Value(ctx.getBool("value"))};
        return std::vector<Value>{Value(ctx.getString("value"))};
    };
    return d;
}

}  // namespace

void registerPrimitiveNodes(Registry& registry) {
    constexpr int64_t kIntLimit = std::numeric_limits<int64_t>::max();  // Python's sys.maxsize
    InputDecl integer = intInput("value", 0, -kIntLimit, kIntLimit);
    integer.controlAfterGenerate = true;
    registry.add(primitive("PrimitiveInt", "Int", integer));
    registry.add(primitive("PrimitiveFloat", "Float", floatInput("value", 0.0, -double(kIntLimit), double(kIntLimit), 0.1)));
    registry.add(primitive("PrimitiveString", "String", stringInput("value", "")));
    registry.add(primitive("PrimitiveStringMultiline", "String (Multiline)", stringInput("value", "", true)));
    registry.add(primitive("PrimitiveBoolean", "Boolean", boolInput("value", false)));
}

}  // namespace tessera::nodes
