#include "core/io/comfyui_import.h"

#include "core/common/error.h"
#include "core/io/graph_json.h"

namespace tessera {

GraphFormat detectFormat(const Json& root) {
    if (!root.isObject()) return GraphFormat::Unknown;
    if (const Json* f = root.find("format")) return f->toString() == kTesseraGraphFormat ? GraphFormat::Tessera : GraphFormat::Unknown;
    if (const Json* nodes = root.find("nodes")) return nodes->isArray() ? GraphFormat::ComfyUIWorkflow : GraphFormat::Unknown;
    if (root.object().empty()) return GraphFormat::Unknown;
    for (const auto& [id, n] : root.object()) {
        const Json* ct = n.find("class_type");
        if (!ct || !ct->isString()) return GraphFormat::Unknown;
    }
    return GraphFormat::ComfyUIPrompt;
}

GraphFormat detectFormat(const QJsonDocument& doc) {
    try {
        const QByteArray bytes = doc.toJson(QJsonDocument::Compact);
        return detectFormat(parseJson(std::string_view(bytes.constData(), size_t(bytes.size()))));
    } catch (const Error&) {
        return GraphFormat::Unknown;
    }
}

const char* formatName(GraphFormat f) {
    switch (f) {
        case GraphFormat::Tessera: return "Tessera graph";
        case GraphFormat::ComfyUIWorkflow: return "ComfyUI workflow";
        case GraphFormat::ComfyUIPrompt: return "ComfyUI API prompt";
        case GraphFormat::Unknown: break;
    }
    return "unknown format";
}

Graph importGraph(const QByteArray& json, const Registry& registry, LoadReport& report) {
    const Json root = parseJson(std::string_view(json.constData(), size_t(json.size())), "the graph file");
    switch (detectFormat(root)) {
        case GraphFormat::Tessera: return graphFromJsonValue(root, &registry, report);
        case GraphFormat::ComfyUIWorkflow: return importComfyWorkflow(root, registry, report);
        case GraphFormat::ComfyUIPrompt: return importComfyPrompt(root, registry, report);
        case GraphFormat::Unknown: break;
    }
    if (root.isObject() && root.find("format"))
        return graphFromJsonValue(root, &registry, report);  // gives the precise "format" message
    throw Error("this JSON is not a graph Tessera can read: expected a Tessera graph.json, a ComfyUI workflow "
                "(with \"nodes\" and \"links\") or a ComfyUI API prompt (nodes with \"class_type\")");
}

}  // namespace tessera
