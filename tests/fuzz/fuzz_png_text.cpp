// PNG files dropped on the editor: their text chunks (tEXt, zTXt, iTXt) and the graph in them.
#include "tests/fuzz/fuzz_target.h"
#include "tests/fuzz/graph_fuzz_support.h"

#include "core/common/error.h"
#include "core/io/png_metadata.h"

using namespace tessera;

TESSERA_FUZZ_TARGET(png_text) {
    const QByteArray bytes = fuzz::bytesOf(data, size);
    try {
        (void)readPngText(bytes);
        LoadReport report;
        fuzz::checkRoundTrip(graphFromPng(bytes, fuzz::graphFuzzRegistry(), report));
    } catch (const Error&) {
    }
    return 0;
}
