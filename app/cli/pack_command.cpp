#include "app/cli/commands.h"

#include "app/cli/loaded_document.h"
#include "core/io/bundle.h"
#include "core/sweep/sweep.h"

#include <cstdio>

namespace tessera::cli {

int packCommand(const CliOptions& o, const Registry& registry) {
    LoadedDocument doc = loadDocument(o, registry);
    Bundle bundle;
    bundle.graph = doc.graph;
    if (!o.sweeps.empty()) {
        resolveSweep(doc.graph, registry, o.sweeps);  // refuses a sweep that could not run
        saveSweep(bundle.graph, o.sweeps);
    }
    if (o.noSweep) saveSweep(bundle.graph, {});
    bundle.files = collectInputFiles(doc.graph, registry, QString::fromStdString(doc.env.inputDir));
    saveBundle(QString::fromStdString(o.packOutput), bundle);
    std::printf("%s: %zu nodes, %zu input file(s)%s\n", o.packOutput.c_str(), bundle.graph.nodes().size(), bundle.files.size(),
                savedSweep(bundle.graph).empty() ? "" : ", a sweep");
    return 0;
}

}  // namespace tessera::cli
