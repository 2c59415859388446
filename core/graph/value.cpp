#include "core/graph/value.h"

#include <sstream>

namespace tessera {

std::string Value::describe() const {
    struct Visitor {
        std::string operator()(std::monostate) const { return "(none)"; }
        std::string operator()(int64_t v) const { return std::to_string(v); }
        std::string operator()(double v) const {
            std::ostringstream s;
            s << v;
            return s.str();
        }
        std::string operator()(bool v) const { return v ? "true" : "false"; }
        std::string operator()(const std::string& v) const { return "\"" + v + "\""; }
        std::string operator()(const ObjectPtr& v) const { return v ? "<" + v->typeName() + ">" : "<null>"; }
    };
    return std::visit(Visitor{}, v_);
}

std::string Value::kind() const {
    if (isInt()) return "INT";
    if (isFloat()) return "FLOAT";
    if (isBool()) return "BOOLEAN";
    if (isString()) return "STRING";
    if (isObject() && toObject()) return toObject()->typeName();
    return "nothing";
}

}  // namespace tessera
