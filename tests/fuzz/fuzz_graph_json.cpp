// Tessera's own graph.json.
#include "tests/fuzz/fuzz_target.h"
#include "tests/fuzz/graph_fuzz_support.h"

#include "core/common/error.h"
#include "core/io/graph_json.h"

using namespace tessera;

TESSERA_FUZZ_TARGET(graph_json) {
    try {
        LoadReport report;
        fuzz::checkRoundTrip(graphFromJson(fuzz::bytesOf(data, size), &fuzz::graphFuzzRegistry(), &report));
    } catch (const Error&) {
    }
    return 0;
}
