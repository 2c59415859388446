#include "nodes/decl_helpers.h"

#include "core/graph/port_types.h"

namespace tessera::nodes {

NodeDecl makeDecl(const std::string& type, const std::string& displayName, const std::string& category,
                  const std::string& description) {
    NodeDecl d;
    d.type = type;
    d.displayName = displayName;
    d.category = category;
    d.description = description;
    return d;
}

InputDecl port(const std::string& name, const std::string& type, bool optional) {
    InputDecl in;
    in.name = name;
    in.type = type;
    in.optional = optional;
    return in;
}

InputDecl intInput(const std::string& name, int64_t def, int64_t min, int64_t max, int64_t step) {
    InputDecl in = port(name, std::string(types::Int));
    in.defaultValue = Value(def);
    in.min = static_cast<double>(min);
    in.max = static_cast<double>(max);
    in.step = static_cast<double>(step);
    return in;
}

InputDecl seedInput(const std::string& name) {
    InputDecl in = port(name, std::string(types::Int));
    in.defaultValue = Value(int64_t(0));
    in.min = 0;
    in.max = 18446744073709551615.0;
    in.step = 1;
    in.controlAfterGenerate = true;
    return in;
}

InputDecl floatInput(const std::string& name, double def, double min, double max, double step) {
    InputDecl in = port(name, std::string(types::Float));
    in.defaultValue = Value(def);
    in.min = min;
    in.max = max;
    in.step = step;
    return in;
}

InputDecl boolInput(const std::string& name, bool def) {
    InputDecl in = port(name, std::string(types::Boolean));
    in.defaultValue = Value(def);
    return in;
}

InputDecl stringInput(const std::string& name, const std::string& def, bool multiline) {
    InputDecl in = port(name, std::string(types::String));
    in.defaultValue = Value(def);
    in.multiline = multiline;
    return in;
}

InputDecl comboInput(const std::string& name, std::vector<std::string> choices, const std::string& def) {
    InputDecl in = port(name, std::string(types::Combo));
    in.defaultValue = Value(def.empty() && !choices.empty() ? choices.front() : def);
    in.choices = std::move(choices);
    return in;
}

InputDecl modelFileInput(const std::string& name, const std::string& kind) {
    InputDecl in = port(name, std::string(types::Combo));
    in.choicesFrom = kind;
    in.isFile = true;
    return in;
}

InputDecl inputImageInput(const std::string& name) {
    InputDecl in = modelFileInput(name, "input");
    return in;
}

OutputDecl output(const std::string& name, const std::string& type) { return OutputDecl{name, type}; }

}  // namespace tessera::nodes
