#pragma once
// Where a downloaded output goes in the local output folder: the backend's own name and
// subfolder, unless a file is already there; then the next free SaveImage counter
// ("Tessera_00003_.png") or " (2)" before the extension. Nothing is overwritten.
#include <string>

namespace tessera::remote {

// Throws tessera::Error for subfolders / names that would leave `outputDir`.
std::string localOutputPath(const std::string& outputDir, const std::string& subfolder, const std::string& filename);

}  // namespace tessera::remote
