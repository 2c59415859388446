// `tessera export FILE -o OUT.json [--as workflow|prompt]`: any graph file Tessera opens, written for
// ComfyUI. Subgraph and group-node instances imported from ComfyUI come back as instances while
// their inside is unchanged; the notes say which were saved as their nodes instead.
#include "app/cli/commands.h"
#include "core/common/error.h"
#include "core/io/atomic_file.h"
#include "core/io/comfyui_import.h"

#include <cstdio>
#include <filesystem>

namespace tessera::cli {

int exportCommand(const CliOptions& options, const Registry& registry) {
    std::error_code ec;
    if (std::filesystem::equivalent(options.file, options.packOutput, ec))
        throw Error("tessera export: the output would overwrite the input");
    LoadedDocument doc = loadDocument(options, registry);
    std::vector<std::string> notes;
    const bool prompt = options.exportAs == "prompt";
    const QByteArray json = prompt ? graphToComfyPrompt(doc.graph, registry) : graphToComfyWorkflow(doc.graph, registry, &notes);
    writeFileAtomically(QString::fromStdString(options.packOutput), json);
    for (const std::string& note : notes) std::fprintf(stderr, "tessera: note: %s\n", note.c_str());
    if (!options.quiet)
        std::printf("%s: ComfyUI %s, %zu nodes\n", options.packOutput.c_str(), prompt ? "API prompt" : "workflow",
                    doc.graph.nodes().size());
    return 0;
}

}  // namespace tessera::cli
