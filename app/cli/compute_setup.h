#pragma once
// What `tessera run` does before any graph runs, for a single run and a sweep alike: threads,
// device and precision chosen (failing early for an unavailable one) and announced on stderr.
#include "app/cli/cli_options.h"

namespace tessera::cli {

void setUpCompute(const CliOptions& options);

}  // namespace tessera::cli
