#pragma once
// The prompt the executor is running, and what its events have told so far.
#include "app/server/prompt_queue.h"
#include "core/exec/run_handle.h"

#include <map>
#include <string>
#include <vector>

namespace tessera::server {

struct ActiveRun {
    std::shared_ptr<QueuedPrompt> prompt;
    RunHandle handle;
    Json messages{Json::Array{}};  // history status.messages: [[event, data], ...]
    Json outputs{Json::Object{}};  // history outputs: {node key: {images: [...]}}
    std::map<NodeId, Json> images; // per node, files it wrote
    Json executed{Json::Array{}};  // node keys that ran or came from the cache
    Json cachedPending{Json::Array{}};
    bool cachedSent = false;
    std::string currentNode;

    std::string key(NodeId id) const {
        const auto it = prompt->checked.keys.find(id);
        return it != prompt->checked.keys.end() ? it->second : std::to_string(id);
    }
};

}  // namespace tessera::server
