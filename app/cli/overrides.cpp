#include "app/cli/overrides.h"

#include "core/common/error.h"
#include "core/graph/widget_reference.h"

namespace tessera::cli {

Override parseOverride(const std::string& text) {
    const auto eq = text.find('=');
    const auto dot = text.substr(0, eq).rfind('.');
    if (eq == std::string::npos || dot == std::string::npos || dot == 0 || dot + 1 == eq)
        throw Error("--set expects NODE.INPUT=VALUE (for example --set KSampler.seed=7), got '" + text + "'");
    return Override{text.substr(0, dot), text.substr(dot + 1, eq - dot - 1), text.substr(eq + 1)};
}

void applyOverride(Graph& graph, const Registry& registry, const Override& o) {
    const WidgetRef w = resolveWidget(graph, registry, o.node, o.input, "--set");
    const std::string where = "--set " + graph.describeNode(w.node) + "." + o.input;
    graph.node(w.node)->widgets[o.input] = parseWidgetValue(*w.input, o.value, where);
}

}  // namespace tessera::cli
