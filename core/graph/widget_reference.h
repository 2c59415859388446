#pragma once
// A widget as users type it on the command line or in a sweep: "NODE.INPUT", where NODE is a
// node id ("3"), a node title ("Main sampler") or a node type ("KSampler") when only one node
// has it. Shared by `--set`, `--sweep` and the editor's sweep panel.
#include "core/graph/graph.h"
#include "core/graph/node_decl.h"
#include "core/graph/registry.h"

#include <string>

namespace tessera {

struct WidgetRef {
    NodeId node = 0;
    const InputDecl* input = nullptr;  // a widget input of the node's declaration
};

// `where` starts every error message ("--set", "--sweep KSampler.cfg"). Throws tessera::Error
// when no node matches, or when several do (naming each candidate with its id).
NodeId resolveNodeReference(const Graph& graph, const std::string& ref, const std::string& where);

// The node's widget input `input`; throws tessera::Error naming the node when the node type is
// unavailable, the input does not exist (listing its widgets) or is a port rather than a value.
WidgetRef resolveWidget(const Graph& graph, const Registry& registry, const std::string& nodeRef,
                        const std::string& input, const std::string& where);

// Parses `text` by the input's declared type: INT, FLOAT, BOOLEAN (true/false/1/0/yes/no), text
// otherwise. Throws tessera::Error("<where>: '<text>' is not a number") and the like.
Value parseWidgetValue(const InputDecl& input, const std::string& text, const std::string& where);

}  // namespace tessera
