// Documentation nodes: ComfyUI's Note and MarkdownNote (frontend-only there). Text on the canvas
// for whoever opens the graph; no inputs to connect, no outputs, so nothing ever runs them, and the
// API prompt Tessera writes leaves them out as ComfyUI does.
#include "nodes/builtin_nodes.h"
#include "nodes/decl_helpers.h"

namespace tessera::nodes {
namespace {

NodeDecl note(const std::string& type, const std::string& displayName, const std::string& what) {
    NodeDecl d = makeDecl(type, displayName, "utils", what + " for whoever opens the graph; it never runs.");
    d.inputs = {stringInput("text", "", true)};
    d.run = [](NodeContext&) { return std::vector<Value>{}; };
    return d;
}

}  // namespace

void registerNoteNodes(Registry& registry) {
    registry.add(note("Note", "Note", "A note"));
    registry.add(note("MarkdownNote", "Markdown Note", "A note in Markdown"));
}

}  // namespace tessera::nodes
