#include "app/cli/compute_setup.h"

#include "core/common/allocator.h"
#include "core/engine/compute/device.h"

#include <cstdio>

namespace tessera::cli {

void setUpCompute(const CliOptions& o) {
    const int threads = engine::configureThreads(o.threads);
    const engine::Placement placement = engine::resolvePlacement(o.device, o.precision);
    if (!o.quiet)
        std::fprintf(stderr, "running %s on %s, %d threads, %s allocator\n", o.file.c_str(),
                     engine::describeCompute(placement).c_str(), threads, allocatorName().c_str());
}

}  // namespace tessera::cli
