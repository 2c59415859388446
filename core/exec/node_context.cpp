#include "core/exec/node_context.h"

#include "core/common/error.h"

namespace tessera {
namespace {

std::string describe(const Node& node) {
    return (node.title.empty() ? node.type : node.title) + " #" + std::to_string(node.id);
}

}  // namespace

NodeContext::NodeContext(const Node& node, const NodeDecl& decl, std::map<std::string, Value> inputs,
                         const Environment& env, CancelToken cancel, Hooks hooks)
    : node_(node), decl_(decl), inputs_(std::move(inputs)), env_(env), cancel_(std::move(cancel)),
      hooks_(std::move(hooks)) {}

bool NodeContext::has(const std::string& input) const {
    auto it = inputs_.find(input);
    return it != inputs_.end() && !it->second.isNull();
}

const Value& NodeContext::input(const std::string& name) const {
    auto it = inputs_.find(name);
    if (it != inputs_.end() && !it->second.isNull()) return it->second;
    if (!decl_.findInput(name)) fail("has no input '" + name + "' (a bug in the node's code)");
    fail("input '" + name + "' is not connected");
}

int64_t NodeContext::getInt(const std::string& name) const {
    const Value& v = input(name);
    if (!v.isNumber()) wrongType(name);
    return v.toInt();
}

double NodeContext::getFloat(const std::string& name) const {
    const Value& v = input(name);
    if (!v.isNumber()) wrongType(name);
    return v.toFloat();
}

bool NodeContext::getBool(const std::string& name) const {
    const Value& v = input(name);
    if (!v.isBool() && !v.isInt()) wrongType(name);
    return v.toBool();
}

const std::string& NodeContext::getString(const std::string& name) const {
    const Value& v = input(name);
    if (!v.isString()) wrongType(name);
    return v.toString();
}

void NodeContext::progress(int step, int total) const {
    if (hooks_.progress) hooks_.progress(step, total);
}

void NodeContext::preview(std::shared_ptr<const PreviewImage> image) const {
    if (hooks_.preview) hooks_.preview(std::move(image));
}

void NodeContext::outputFile(const std::string& path) const {
    if (hooks_.outputFile) hooks_.outputFile(path);
}

void NodeContext::note(const std::string& text) const {
    if (hooks_.note) hooks_.note(text);
}

void NodeContext::fail(const std::string& message) const { throw Error(describe(node_) + ": " + message); }

void NodeContext::wrongType(const std::string& name) const {
    const InputDecl* in = decl_.findInput(name);
    const std::string expected = in ? in->type : "another type";
    const auto it = inputs_.find(name);
    const std::string actual = it == inputs_.end() ? "nothing" : it->second.kind();
    fail("input '" + name + "' should be " + expected + " but got " + actual);
}

}  // namespace tessera
