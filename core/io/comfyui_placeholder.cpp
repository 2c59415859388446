#include "core/io/comfyui_placeholder.h"

#include "core/common/error.h"
#include "core/io/json.h"

namespace tessera {
namespace {

std::string slotString(const Json& slot, const char* key) {
    const Json* v = slot.find(key);
    if (!v) return {};
    return v->isString() ? v->toString() : writeJson(*v);  // a type may be a list of types
}

Value placeholderValue(const Json& j) {
    switch (j.type()) {
        case Json::Type::Null: return Value();
        case Json::Type::Bool: return Value(j.toBool());
        case Json::Type::Int: return Value(j.toInt());
        case Json::Type::Double: return Value(j.toDouble());
        case Json::Type::String: return Value(j.toString());
        default: return Value(writeJson(j));
    }
}

}  // namespace

ComfyPlaceholderLayout readComfyPlaceholder(const Node& node) {
    ComfyPlaceholderLayout layout;
    if (node.placeholderJson.empty()) return layout;
    Json stored;
    try {
        stored = parseJson(node.placeholderJson, "the placeholder of " + node.type);
    } catch (const Error&) {
        return layout;  // written by an older Tessera or by hand: drawn as a plain placeholder
    }
    const Json* comfy = stored.find("comfyui");
    if (!comfy || !comfy->isObject()) return layout;
    layout.fromComfyUI = true;

    std::vector<std::string> widgetNames;
    if (const Json* inputs = comfy->find("inputs"))
        for (const Json& in : inputs->array()) {
            if (const Json* w = in.find("widget"); w && w->find("name")) {
                widgetNames.push_back(w->find("name")->toString());
                if (!in.find("link") || in.find("link")->isNull()) continue;  // shown as a widget
            }
            layout.inputs.push_back({slotString(in, "name"), slotString(in, "type")});
        }
    if (const Json* outputs = comfy->find("outputs"))
        for (const Json& out : outputs->array()) layout.outputs.push_back({slotString(out, "name"), slotString(out, "type")});

    const Json* values = comfy->find("widgets_values");
    if (!values) return layout;
    if (values->isObject()) {
        for (const auto& [name, v] : values->object()) layout.widgets.emplace_back(name, placeholderValue(v));
        return layout;
    }
    const Json::Array& list = values->array();
    const bool named = widgetNames.size() == list.size();
    for (size_t i = 0; i < list.size(); ++i)
        layout.widgets.emplace_back(named ? widgetNames[i] : "widget " + std::to_string(i + 1), placeholderValue(list[i]));
    return layout;
}

}  // namespace tessera
