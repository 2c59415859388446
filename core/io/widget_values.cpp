#include "core/io/widget_values.h"

#include "core/common/error.h"
#include "core/graph/port_types.h"

#include <cmath>

namespace tessera {

Json valueToJson(const Value& v) {
    if (v.isInt()) return Json(v.toInt());
    if (v.isFloat()) return Json(v.toFloat());
    if (v.isBool()) return Json(v.toBool());
    if (v.isString()) return Json(v.toString());
    return Json();
}

Value jsonToValue(const Json& j, const std::string& where) {
    switch (j.type()) {
        case Json::Type::Null: return Value();
        case Json::Type::Bool: return Value(j.toBool());
        case Json::Type::Int: return Value(j.toInt());
        // JSON cannot hold NaN or infinity; saving would turn them into null anyway.
        case Json::Type::Double: return std::isfinite(j.toDouble()) ? Value(j.toDouble()) : Value();
        case Json::Type::String: return Value(j.toString());
        default: throw Error(where + " holds an " + j.typeName() + ", but widget values must be numbers, text or booleans");
    }
}

Value coerceWidget(const InputDecl& decl, const Value& v, const std::string& where, LoadReport& report) {
    auto fallback = [&](const std::string& why) {
        report.warnings.push_back(where + ": " + why + "; using the default " + decl.defaultValue.describe());
        return decl.defaultValue;
    };
    if (v.isNull()) return decl.defaultValue;
    const std::string& t = decl.type;
    if (t == types::Int) {
        if (v.isInt()) return v;
        if (v.isBool()) return Value(int64_t(v.toBool()));
        if (v.isFloat()) {
            const double d = v.toFloat();
            if (!std::isfinite(d) || std::fabs(d) >= 9.2233720368547758e18) return fallback("value " + v.describe() + " is out of range");
            if (d != std::floor(d)) report.warnings.push_back(where + ": " + v.describe() + " rounded to a whole number");
            return Value(int64_t(std::llround(d)));
        }
        return fallback("expected a whole number, found " + v.describe());
    }
    if (t == types::Float) {
        if (v.isNumber()) return Value(v.toFloat());
        return fallback("expected a number, found " + v.describe());
    }
    if (t == types::Boolean) {
        if (v.isBool()) return v;
        if (v.isInt() && (v.toInt() == 0 || v.toInt() == 1)) return Value(v.toInt() == 1);
        return fallback("expected true or false, found " + v.describe());
    }
    if (t == types::String || t == types::Combo) {
        if (v.isString()) return v;
        if (v.isNumber() && t == types::Combo) return Value(v.isInt() ? std::to_string(v.toInt()) : v.describe());
        return fallback("expected text, found " + v.describe());
    }
    return v;  // a plugin's own widget type: keep what the file says
}

bool isControlValue(const Json& v, bool seedLike) {
    if (v.isBool()) return seedLike;
    const std::string& s = v.toString();
    return v.isString() && (s == "fixed" || s == "increment" || s == "decrement" || s == "randomize");
}

PositionalWidgets readPositionalWidgets(const NodeDecl& decl, const Json::Array& list, size_t start,
                                        const std::set<std::string>& converted) {
    PositionalWidgets out;
    size_t i = start;
    for (const auto& in : decl.inputs) {
        if (!in.isWidget() || converted.count(in.name)) continue;
        if (i >= list.size()) break;
        out.values.emplace_back(&in, &list[i++]);
        if (in.type != types::Int || i >= list.size()) continue;
        // The frontend adds the control to widgets declared with control_after_generate and, in early
        // versions, to any widget named seed or noise_seed (then a boolean "randomize" toggle).
        const bool seedLike = in.controlAfterGenerate || in.name == "seed" || in.name == "noise_seed";
        if (isControlValue(list[i], seedLike)) {
            const Json& c = list[i++];
            out.controls[in.name] = c.isBool() ? (c.toBool() ? "randomize" : "fixed") : c.toString();
        }
    }
    out.next = i;
    return out;
}

void fillMissingWidgets(Node& node, const NodeDecl& decl) {
    for (const auto& in : decl.inputs)
        if (in.isWidget() && !in.defaultValue.isNull() && !node.widgets.count(in.name)) node.widgets[in.name] = in.defaultValue;
}

}  // namespace tessera
