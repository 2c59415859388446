#pragma once
// Short constructors for node declarations, so every node reads like ComfyUI's INPUT_TYPES:
//   decl.inputs = {port("model", "MODEL"), seedInput("seed"), intInput("steps", 20, 1, 10000), ...};
#include "core/graph/node_decl.h"

#include <string>
#include <vector>

namespace tessera::nodes {

// A declaration with its identity filled in; the caller adds inputs, outputs and run.
NodeDecl makeDecl(const std::string& type, const std::string& displayName, const std::string& category,
                  const std::string& description);

InputDecl port(const std::string& name, const std::string& type, bool optional = false);
InputDecl intInput(const std::string& name, int64_t def, int64_t min, int64_t max, int64_t step = 1);
InputDecl seedInput(const std::string& name);  // 0..2^64-1 shown, "control after generate"
InputDecl floatInput(const std::string& name, double def, double min, double max, double step = 0.01);
InputDecl boolInput(const std::string& name, bool def);
InputDecl stringInput(const std::string& name, const std::string& def, bool multiline = false);
InputDecl comboInput(const std::string& name, std::vector<std::string> choices, const std::string& def = {});
// A file chosen from a models-folder kind ("checkpoints", "vae", "loras", "controlnet", "depth").
InputDecl modelFileInput(const std::string& name, const std::string& kind);
// An image file in the input folder (LoadImage).
InputDecl inputImageInput(const std::string& name);
OutputDecl output(const std::string& name, const std::string& type);

}  // namespace tessera::nodes
