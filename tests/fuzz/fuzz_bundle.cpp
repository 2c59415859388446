// .tessera bundles: zip archives from strangers (bombs, "../" and absolute names, duplicates).
#include "tests/fuzz/fuzz_target.h"
#include "tests/fuzz/graph_fuzz_support.h"

#include "core/common/error.h"
#include "core/io/bundle.h"

#include <cstdlib>

using namespace tessera;

// The same refusals as the product's 512 MiB budget, at a size that keeps the fuzzer fast: a mutated
// bomb that passes the stated-size check would otherwise inflate hundreds of MiB on every run.
constexpr qint64 kFuzzMaxUnpackedBytes = qint64(8) << 20;

TESSERA_FUZZ_TARGET(bundle) {
    try {
        LoadReport report;
        const Bundle b = bundleFromZip(fuzz::bytesOf(data, size), &fuzz::graphFuzzRegistry(), &report, kFuzzMaxUnpackedBytes);
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
