#include "core/io/graph_json.h"

#include "core/common/error.h"
#include "core/common/version.h"
#include "core/io/widget_values.h"

#include <cmath>

namespace tessera {

namespace {

Json point(Point p) { return Json(Json::Array{Json(p.x), Json(p.y)}); }

bool isDefault(const Point& p) { return p.x == 0 && p.y == 0; }

// Equal up to number representation (10 == 10.0), so unchanged placeholder fields keep their bytes.
bool sameValue(const Json& a, const Json& b) {
    if (a.isNumber() && b.isNumber()) return a.toDouble() == b.toDouble();
    if (a.isArray() && b.isArray()) {
        if (a.array().size() != b.array().size()) return false;
        for (size_t i = 0; i < a.array().size(); ++i)
            if (!sameValue(a.array()[i], b.array()[i])) return false;
        return true;
    }
    return a == b;
}

// Writes the fields a user can change on any node, placeholders included. `always` writes
// every field; otherwise only those present in `into` already or differing from the default.
void writeLayout(Json& into, const Node& n, bool always) {
    auto put = [&](const char* key, Json v, bool isDefaultValue) {
        if (const Json* old = into.find(key); old && sameValue(*old, v)) return;
        if (always ? !isDefaultValue || std::string(key) == "pos" : (!isDefaultValue || into.find(key)))
            into.set(key, std::move(v));
    };
    put("title", Json(n.title), n.title.empty());
    put("pos", point(n.pos), isDefault(n.pos));
    put("size", point(n.size), isDefault(n.size));
    put("collapsed", Json(n.collapsed), !n.collapsed);
    put("bypassed", Json(n.bypassed), !n.bypassed);
    put("muted", Json(n.muted), !n.muted);
    put("note", Json(n.note), n.note.empty());
    put("plugin", Json(n.plugin), n.plugin.empty());
}

std::string pluginOf(const NodeDecl& decl) { return decl.origin == "builtin" ? std::string() : decl.origin; }

struct Reader {
    const Registry* registry;
    LoadReport& report;

    [[noreturn]] static void fail(const std::string& where, const std::string& problem) {
        throw Error("graph file: " + where + ": " + problem);
    }

    static const Json& require(const Json& obj, const char* key, Json::Type type, const std::string& where) {
        const Json* v = obj.find(key);
        if (!v) fail(where, std::string("missing \"") + key + "\"");
        if (v->type() != type && !(type == Json::Type::Double && v->isInt()))
            fail(where, std::string("\"") + key + "\" should be " + (type == Json::Type::Int ? "an " : "a ") +
                            Json::typeName(type) + ", not " + v->typeName());
        return *v;
    }

    static const Json* optional(const Json& obj, const char* key, Json::Type type, const std::string& where) {
        const Json* v = obj.find(key);
        if (!v || v->isNull()) return nullptr;
        return &require(obj, key, type, where);
    }

    static Point readPoint(const Json& obj, const char* key, const std::string& where) {
        const Json* v = optional(obj, key, Json::Type::Array, where);
        if (!v) return {};
        if (v->array().size() != 2 || !v->array()[0].isNumber() || !v->array()[1].isNumber())
            fail(where, std::string("\"") + key + "\" should be two numbers [x, y]");
        return {finiteOrZero(v->array()[0].toDouble()), finiteOrZero(v->array()[1].toDouble())};
    }

    static bool readBool(const Json& obj, const char* key, const std::string& where) {
        const Json* v = optional(obj, key, Json::Type::Bool, where);
        return v && v->toBool();
    }

    static std::string readString(const Json& obj, const char* key, const std::string& where) {
        const Json* v = optional(obj, key, Json::Type::String, where);
        return v ? v->toString() : std::string();
    }

    void readNode(Graph& g, const Json& j, size_t index, std::vector<std::string>& placeholders) {
        std::string where = "node " + std::to_string(index + 1) + " in \"nodes\"";
        if (!j.isObject()) fail(where, std::string("should be an object, not ") + j.typeName());
        const NodeId id = require(j, "id", Json::Type::Int, where).toInt();
        const std::string type = require(j, "type", Json::Type::String, where).toString();
        where = (type.empty() ? "node" : type) + " #" + std::to_string(id);
        if (type.empty()) fail(where, "\"type\" is empty");
        if (g.node(id)) fail(where, "another node has the same id");
        Node& n = g.addNode(type, id);
        n.title = readString(j, "title", where);
        n.pos = readPoint(j, "pos", where);
        n.size = readPoint(j, "size", where);
        n.collapsed = readBool(j, "collapsed", where);
        n.bypassed = readBool(j, "bypassed", where);
        n.muted = readBool(j, "muted", where);
        n.note = readString(j, "note", where);
        n.plugin = readString(j, "plugin", where);
        if (const Json* w = optional(j, "widgets", Json::Type::Object, where))
            for (const auto& [name, v] : w->object())
                n.widgets[name] = jsonToValue(v, where + ": widget '" + name + "'");
        if (const Json* c = optional(j, "control_after_generate", Json::Type::Object, where))
            for (const auto& [name, v] : c->object()) {
                if (!v.isString()) fail(where, "control_after_generate '" + name + "' should be text");
                n.controlAfterGenerate[name] = v.toString();
            }
        if (const Json* w = optional(j, "widget_inputs", Json::Type::Array, where))
            for (const Json& name : w->array()) {
                if (!name.isString()) fail(where, "\"widget_inputs\" should list input names");
                n.widgetInputs.insert(name.toString());
            }

        if (!registry) return;
        const NodeDecl* decl = registry->find(type);
        if (!decl) {
            n.placeholderJson = writeJson(j);
            if (!isNoteType(type)) placeholders.push_back(n.plugin.empty() ? type : type + " (plugin " + n.plugin + ")");
            return;
        }
        n.plugin = pluginOf(*decl);
        // Notes imported before Tessera declared them kept their text in "note".
        if (isNoteType(type) && !n.note.empty() && !n.widgets.count("text") && decl->findInput("text")) {
            n.widgets["text"] = Value(n.note);
            n.note.clear();
        }
        for (auto it = n.widgets.begin(); it != n.widgets.end();) {
            const InputDecl* in = decl->findInput(it->first);
            if (!in || !in->isWidget()) {
                report.warnings.push_back(where + ": widget '" + it->first + "' is not a widget input of " + type +
                                          " any more; its value " + it->second.describe() + " was dropped");
                it = n.widgets.erase(it);
                continue;
            }
            it->second = coerceWidget(*in, it->second, where + ": widget '" + it->first + "'", report);
            ++it;
        }
        for (auto it = n.widgetInputs.begin(); it != n.widgetInputs.end();) {
            const InputDecl* in = decl->findInput(*it);
            it = in && in->isWidget() ? std::next(it) : n.widgetInputs.erase(it);
        }
        fillMissingWidgets(n, *decl);
    }

    // Files written before "widget_inputs" existed (and hand-written ones) link into widgets
    // without listing them: such a widget is shown as an input.
    void markLinkedWidgets(Graph& g) {
        if (!registry) return;
        for (const auto& [id, l] : g.links()) {
            Node* n = g.node(l.toNode);
            const NodeDecl* decl = n && n->placeholderJson.empty() ? registry->find(n->type) : nullptr;
            const InputDecl* in = decl ? decl->findInput(l.toInput) : nullptr;
            if (in && in->isWidget()) n->widgetInputs.insert(l.toInput);
        }
    }

    void readLink(Graph& g, const Json& j, size_t index) {
        std::string where = "link " + std::to_string(index + 1) + " in \"links\"";
        if (!j.isObject()) fail(where, std::string("should be an object, not ") + j.typeName());
        const LinkId id = require(j, "id", Json::Type::Int, where).toInt();
        where = "link " + std::to_string(id);
        const auto& from = require(j, "from", Json::Type::Array, where).array();
        const auto& to = require(j, "to", Json::Type::Array, where).array();
        if (from.size() != 2 || !from[0].isInt() || !from[1].isInt() || from[1].toInt() < 0 ||
            from[1].toInt() > 100000)
            fail(where, "\"from\" should be [node id, output index]");
        if (to.size() != 2 || !to[0].isInt() || !to[1].isString() || to[1].toString().empty())
            fail(where, "\"to\" should be [node id, \"input name\"]");
        Link l;
        l.id = id;
        l.fromNode = from[0].toInt();
        l.fromSlot = int(from[1].toInt());
        l.toNode = to[0].toInt();
        l.toInput = to[1].toString();
        l.type = readString(j, "type", where);
        if (const Json* r = optional(j, "reroutes", Json::Type::Array, where))
            for (const Json& p : r->array()) {
                if (!p.isArray() || p.array().size() != 2 || !p.array()[0].isNumber() || !p.array()[1].isNumber())
                    fail(where, "each of \"reroutes\" should be two numbers [x, y]");
                l.reroutes.push_back({finiteOrZero(p.array()[0].toDouble()), finiteOrZero(p.array()[1].toDouble())});
            }
        if (!g.node(l.fromNode)) fail(where, "comes from node " + std::to_string(l.fromNode) + ", which is not in the file");
        if (!g.node(l.toNode)) fail(where, "goes to node " + std::to_string(l.toNode) + ", which is not in the file");
        if (g.links().count(id)) fail(where, "another link has the same id");
        if (g.linkInto(l.toNode, l.toInput))
            report.warnings.push_back(where + ": input '" + l.toInput + "' of " + g.describeNode(l.toNode) +
                                      " had two links; the later one was kept");
        g.addLink(l);
    }

    void readGroup(Graph& g, const Json& j, size_t index) {
        const std::string where = "group " + std::to_string(index + 1);
        if (!j.isObject()) fail(where, std::string("should be an object, not ") + j.typeName());
        Group gr;
        gr.title = readString(j, "title", where);
        gr.color = readString(j, "color", where);
        if (const Json* b = optional(j, "bounding", Json::Type::Array, where)) {
            const auto& a = b->array();
            if (a.size() != 4 || !a[0].isNumber() || !a[1].isNumber() || !a[2].isNumber() || !a[3].isNumber())
                fail(where, "\"bounding\" should be four numbers [x, y, width, height]");
            gr.x = finiteOrZero(a[0].toDouble());
            gr.y = finiteOrZero(a[1].toDouble());
            gr.width = finiteOrZero(a[2].toDouble());
            gr.height = finiteOrZero(a[3].toDouble());
        }
        g.groups().push_back(gr);
    }
};

}  // namespace

bool isNoteType(const std::string& type) { return type == "Note" || type == "MarkdownNote"; }

Json nodeToJson(const Node& n) {
    Json j;
    j.set("id", Json(n.id));
    j.set("type", Json(n.type));
    writeLayout(j, n, true);
    Json widgets{Json::Object{}};
    for (const auto& [name, v] : n.widgets) widgets.set(name, valueToJson(v));
    j.set("widgets", std::move(widgets));
    if (!n.controlAfterGenerate.empty()) {
        Json c{Json::Object{}};
        for (const auto& [name, mode] : n.controlAfterGenerate) c.set(name, Json(mode));
        j.set("control_after_generate", std::move(c));
    }
    if (!n.widgetInputs.empty()) {
        Json w{Json::Array{}};
        for (const auto& name : n.widgetInputs) w.push(Json(name));
        j.set("widget_inputs", std::move(w));
    }
    return j;
}

Json graphToJsonValue(const Graph& graph, const std::vector<std::string>& embeddedFiles) {
    Json root;
    root.set("format", Json(kTesseraGraphFormat));
    root.set("version", Json(kGraphFormatVersion));
    Json nodes{Json::Array{}};
    for (const auto& [id, n] : graph.nodes()) {
        if (!n.placeholderJson.empty()) {
            try {
                Json raw = parseJson(n.placeholderJson, "placeholder node");
                if (raw.isObject()) {
                    raw.set("id", Json(n.id));
                    raw.set("type", Json(n.type));
                    writeLayout(raw, n, false);
                    nodes.push(std::move(raw));
                    continue;
                }
            } catch (const Error&) {
                // Not JSON we wrote: save the node like any other.
            }
        }
        nodes.push(nodeToJson(n));
    }
    root.set("nodes", std::move(nodes));
    Json links{Json::Array{}};
    for (const auto& [id, l] : graph.links()) {
        Json j;
        j.set("id", Json(l.id));
        j.set("from", Json(Json::Array{Json(l.fromNode), Json(l.fromSlot)}));
        j.set("to", Json(Json::Array{Json(l.toNode), Json(l.toInput)}));
        j.set("type", Json(l.type));
        if (!l.reroutes.empty()) {
            Json reroutes{Json::Array{}};
            for (const Point& p : l.reroutes) reroutes.push(point(p));
            j.set("reroutes", std::move(reroutes));
        }
        links.push(std::move(j));
    }
    root.set("links", std::move(links));
    Json groups{Json::Array{}};
    for (const auto& g : graph.groups()) {
        Json j;
        j.set("title", Json(g.title));
        j.set("bounding", Json(Json::Array{Json(g.x), Json(g.y), Json(g.width), Json(g.height)}));
        j.set("color", Json(g.color));
        groups.push(std::move(j));
    }
    root.set("groups", std::move(groups));
    Json props{Json::Object{}};
    for (const auto& [k, v] : graph.properties()) props.set(k, Json(v));
    root.set("properties", std::move(props));
    if (!embeddedFiles.empty()) {
        Json images{Json::Array{}};
        for (const auto& f : embeddedFiles) images.push(Json(f));
        root.set("images", std::move(images));
    }
    return root;
}

QByteArray graphToJson(const Graph& graph, const std::vector<std::string>& embeddedFiles) {
    return QByteArray::fromStdString(writeJson(graphToJsonValue(graph, embeddedFiles), 1));
}

Graph graphFromJsonValue(const Json& root, const Registry* registry, LoadReport& report) {
    if (!root.isObject()) throw Error(std::string("graph file: expected a JSON object at the top, found ") + root.typeName());
    const Json* format = root.find("format");
    if (!format || format->toString() != kTesseraGraphFormat)
        throw Error("not a Tessera graph file: \"format\" is " +
                    (format ? (format->isString() ? "'" + format->toString() + "'" : std::string(format->typeName())) : "missing") +
                    ", expected '" + kTesseraGraphFormat + "'");
    const Json* version = root.find("version");
    if (!version || !version->isInt() || version->toInt() < 1)
        throw Error("graph file: \"version\" should be a positive whole number");
    if (version->toInt() > kGraphFormatVersion)
        throw Error("this graph was saved by a newer Tessera (format " + std::to_string(version->toInt()) +
                    "); this build reads up to " + std::to_string(kGraphFormatVersion) + ". Update Tessera to open it.");

    Graph g;
    Reader r{registry, report};
    std::vector<std::string> placeholders;
    const auto& nodes = Reader::require(root, "nodes", Json::Type::Array, "top level").array();
    for (size_t i = 0; i < nodes.size(); ++i) r.readNode(g, nodes[i], i, placeholders);
    if (const Json* links = Reader::optional(root, "links", Json::Type::Array, "top level"))
        for (size_t i = 0; i < links->array().size(); ++i) r.readLink(g, links->array()[i], i);
    r.markLinkedWidgets(g);
    if (const Json* groups = Reader::optional(root, "groups", Json::Type::Array, "top level"))
        for (size_t i = 0; i < groups->array().size(); ++i) r.readGroup(g, groups->array()[i], i);
    if (const Json* props = Reader::optional(root, "properties", Json::Type::Object, "top level"))
        for (const auto& [k, v] : props->object()) g.properties()[k] = v.isString() ? v.toString() : writeJson(v);
    reportPlaceholders(report, placeholders);
    return g;
}

Graph graphFromJson(const QByteArray& json, const Registry* registry, LoadReport* report) {
    LoadReport local;
    const Json root = parseJson(std::string_view(json.constData(), size_t(json.size())), "graph file");
    return graphFromJsonValue(root, registry, report ? *report : local);
}

}  // namespace tessera
