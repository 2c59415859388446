#pragma once
// A node type declared in one place: identity, inputs (with widget defaults and limits),
// outputs, and the function that runs it. Built-in nodes and plugins use the same form.
#include "core/graph/value.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tessera {

class NodeContext;

struct InputDecl {
    std::string name;
    std::string type;  // a port type ("IMAGE") or a widget type ("INT", "COMBO", ...)
    bool optional = false;
    Value defaultValue;  // widgets only
    std::optional<double> min, max, step;
    std::vector<std::string> choices;  // COMBO: fixed choices
    // COMBO filled at run time from a models-folder kind ("checkpoints", "vae", "loras",
    // "controlnet", "embeddings", "depth") or "input" (images in the input folder).
    std::string choicesFrom;
    bool multiline = false;          // STRING: prompt text
    bool forceInput = false;         // a widget type that starts out as a port
    bool controlAfterGenerate = false;  // INT seed: "fixed / increment / decrement / randomize" (ComfyUI adds a widget value)
    bool isFile = false;             // STRING/COMBO naming a file whose content is part of the cache signature
    std::string tooltip;

    bool isWidget() const;
};

struct OutputDecl {
    std::string name;
    std::string type;
};

using RunFunction = std::function<std::vector<Value>(NodeContext&)>;

struct NodeDecl {
    std::string type;         // "KSampler": stable identifier stored in files
    std::string displayName;  // "KSampler"
    std::string category;     // "sampling"
    std::string description;
    std::vector<InputDecl> inputs;
    std::vector<OutputDecl> outputs;
    bool isOutput = false;  // SaveImage, PreviewImage: the executor runs what these need
    RunFunction run;
    std::string origin = "builtin";  // or the plugin's name

    const InputDecl* findInput(const std::string& name) const;
    int outputIndex(const std::string& name) const;  // -1 when absent
};

}  // namespace tessera
