#include "app/server/object_info.h"

#include "core/io/graph_json.h"
#include "core/io/widget_values.h"

#include <QDir>
#include <QDirIterator>

#include <algorithm>
#include <limits>

namespace tessera::server {
namespace {

Json stringList(const std::vector<std::string>& items) {
    Json list{Json::Array{}};
    for (const auto& s : items) list.push(s);
    return list;
}

std::vector<std::string> choicesOf(const InputDecl& in, const Environment& env) {
    if (!in.choices.empty()) return in.choices;
    if (in.choicesFrom == "input") return listInputImages(env.inputDir);
    if (!in.choicesFrom.empty()) return env.listModels(in.choicesFrom);
    return {};
}

// [TYPE, {default, min, max, step, ...}] or, for a COMBO, [[choices...], {default, ...}].
Json inputSpec(const InputDecl& in, const Environment& env) {
    Json opts{Json::Object{}};
    if (!in.defaultValue.isNull() && !in.defaultValue.isObject()) opts.set("default", valueToJson(in.defaultValue));
    const bool isInt = in.type == "INT";
    // An INT limit of 2^64-1 (seeds) does not fit int64: it is reported as the largest int64.
    auto number = [&](double v) {
        if (!isInt) return Json(v);
        if (v >= 9.2233720368547758e18) return Json(std::numeric_limits<int64_t>::max());
        if (v <= -9.2233720368547758e18) return Json(std::numeric_limits<int64_t>::min());
        return Json(int64_t(v));
    };
    if (in.min) opts.set("min", number(*in.min));
    if (in.max) opts.set("max", number(*in.max));
    if (in.step) opts.set("step", number(*in.step));
    if (in.multiline) opts.set("multiline", true);
    if (in.forceInput) opts.set("forceInput", true);
    if (in.controlAfterGenerate) opts.set("control_after_generate", true);
    if (in.choicesFrom == "input") opts.set("image_upload", true);
    if (!in.tooltip.empty()) opts.set("tooltip", in.tooltip);
    Json spec{Json::Array{}};
    if (in.type == "COMBO") spec.push(stringList(choicesOf(in, env)));
    else spec.push(in.type);
    spec.push(std::move(opts));
    return spec;
}

}  // namespace

std::vector<std::string> listInputImages(const std::string& inputDir) {
    std::vector<std::string> names;
    if (inputDir.empty()) return names;
    const QDir root(QString::fromStdString(inputDir));
    QDirIterator it(root.path(), {"*.png", "*.jpg", "*.jpeg", "*.webp", "*.bmp", "*.tif", "*.tiff"}, QDir::Files,
                    QDirIterator::Subdirectories);
    for (int i = 0; it.hasNext() && i < 100000; ++i) names.push_back(root.relativeFilePath(it.next()).toStdString());
    std::sort(names.begin(), names.end());
    return names;
}

Json objectInfo(const NodeDecl& decl, const Environment& env) {
    Json required{Json::Object{}}, optional{Json::Object{}};
    Json requiredOrder{Json::Array{}}, optionalOrder{Json::Array{}};
    for (const InputDecl& in : decl.inputs) {
        (in.optional ? optional : required).set(in.name, inputSpec(in, env));
        (in.optional ? optionalOrder : requiredOrder).push(in.name);
    }
    Json input;
    input.set("required", std::move(required));
    if (!optional.object().empty()) input.set("optional", std::move(optional));
    Json order;
    order.set("required", std::move(requiredOrder));
    if (!optionalOrder.array().empty()) order.set("optional", std::move(optionalOrder));

    Json outputs{Json::Array{}}, isList{Json::Array{}}, names{Json::Array{}};
    for (const OutputDecl& out : decl.outputs) {
        outputs.push(out.type);
        isList.push(false);
        names.push(out.name);
    }
    Json info;
    info.set("input", std::move(input));
    info.set("input_order", std::move(order));
    info.set("output", std::move(outputs));
    info.set("output_is_list", std::move(isList));
    info.set("output_name", std::move(names));
    info.set("name", decl.type);
    info.set("display_name", decl.displayName.empty() ? decl.type : decl.displayName);
    info.set("description", decl.description);
    info.set("python_module", decl.origin == "builtin" ? std::string("nodes") : "custom_nodes." + decl.origin);
    info.set("category", decl.category);
    info.set("output_node", decl.isOutput);
    return info;
}

Json allObjectInfo(const Registry& registry, const Environment& env) {
    Json all{Json::Object{}};
    // Notes live only in ComfyUI's frontend: its server does not list them either.
    for (const NodeDecl* d : registry.all())
        if (!isNoteType(d->type)) all.set(d->type, objectInfo(*d, env));
    return all;
}

}  // namespace tessera::server
