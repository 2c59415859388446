#include "core/exec/node_signature.h"

#include "core/exec/hasher.h"

namespace tessera {

std::string resolveInputFile(const InputDecl& input, const std::string& name, const Environment& env) {
    return env.findModel(input.choicesFrom.empty() ? "input" : input.choicesFrom, name);
}

uint64_t nodeSignature(const PlannedNode& node, const std::map<std::string, Value>& inputs,
                       const std::map<NodeId, uint64_t>& signatures, const Environment& env, FileHashCache& files) {
    Hasher h;
    h.str(node.decl->type);
    h.str(env.device).str(env.precision);  // models computed elsewhere or in another precision give other numbers
    for (const auto& in : node.decl->inputs) {
        h.str(in.name);
        if (auto link = node.links.find(in.name); link != node.links.end()) {
            h.u64(1).u64(signatures.at(link->second.node)).u64(uint64_t(link->second.slot));
        } else {
            auto it = inputs.find(in.name);
            h.u64(2).value(it == inputs.end() ? Value() : it->second);
        }
        if (!in.isFile) continue;
        auto it = inputs.find(in.name);
        const std::string path =
            it != inputs.end() && it->second.isString() ? resolveInputFile(in, it->second.toString(), env) : "";
        if (path.empty())
            h.u64(0);  // missing: the node itself says so when it runs
        else
            h.u64(1).u64(files.hash(path));
    }
    return h.digest();
}

}  // namespace tessera
