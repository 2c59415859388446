// `tessera convert IN -o OUT.safetensors`: a model file (PyTorch pickle, read without running
// code, or safetensors) rewritten as safetensors with the same tensor names and dtypes.
#include "app/cli/commands.h"
#include "core/common/error.h"
#include "core/engine/files/pickle/pickle_file.h"
#include "core/engine/files/safetensors.h"

#include <ATen/ATen.h>

#include <cstdio>
#include <filesystem>

namespace tessera::cli {

int convertCommand(const CliOptions& options) {
    namespace fs = std::filesystem;
    const std::string& out = options.packOutput;
    if (fs::path(out).extension() != ".safetensors")
        throw Error("tessera convert writes .safetensors files; name the output OUT.safetensors (got '" + out + "')");
    std::error_code ec;
    if (fs::equivalent(options.file, out, ec)) throw Error("tessera convert: the output would overwrite the input");

    const auto file = engine::openTensorFile(options.file);
    std::map<std::string, at::Tensor> tensors;
    for (const engine::TensorEntry& e : file->entries()) tensors[e.name] = file->tensor(e.name);
    std::map<std::string, std::string> metadata = file->metadata();
    metadata.emplace("format", "pt");
    engine::writeSafetensors(out, tensors, metadata);

    if (!options.quiet) {
        std::string from = "safetensors";
        if (const auto* pickle = dynamic_cast<const engine::PickleFile*>(file.get())) {
            from = "PyTorch " + pickle->format() + " pickle";
            for (const std::string& note : pickle->notes()) from += ", " + note;
        }
        std::printf("converted %zu tensors (%s) to %s\n", tensors.size(), from.c_str(), out.c_str());
    }
    return 0;
}

}  // namespace tessera::cli
