// .tessera bundles: zip archives from strangers (bombs, "../" and absolute names, duplicates).
#include "tests/fuzz/fuzz_target.h"
#include "tests/fuzz/graph_fuzz_support.h"

#include "core/common/error.h"
#include "core/io/bundle.h"

#include <cstdlib>

using namespace tessera;

TESSERA_FUZZ_TARGET(bundle) {
    try {
        LoadReport report;
        const Bundle b = bundleFromZip(fuzz::bytesOf(data, size), &fuzz::graphFuzzRegistry(), &report);
        for (const auto& [name, bytes] : b.files) {
            try {
                checkSafeRelativeName(name, "fuzz");
            } catch (const Error&) {
                std::abort();  // an unsafe name got through: it would be written outside the input folder
            }
        }
        fuzz::checkRoundTrip(b.graph);
    } catch (const Error&) {
    }
    return 0;
}
