// ComfyUI workflows as users share them: UI format (with subgraphs, group nodes, reroutes,
// primitives) and API prompts, through the same reader the editor's Open uses.
#include "tests/fuzz/fuzz_target.h"
#include "tests/fuzz/graph_fuzz_support.h"

#include "core/common/error.h"
#include "core/io/comfyui_import.h"

using namespace tessera;

TESSERA_FUZZ_TARGET(comfyui_import) {
    try {
        LoadReport report;
        fuzz::checkRoundTrip(importGraph(fuzz::bytesOf(data, size), fuzz::graphFuzzRegistry(), report));
    } catch (const Error&) {
    }
    return 0;
}
