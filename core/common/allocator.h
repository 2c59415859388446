#pragma once
// Which malloc this process runs on: the build links tcmalloc (or mimalloc) into every Tessera
// program (cmake/TesseraAllocator.cmake); "glibc" means a build or a host program without it.
#include <string>

namespace tessera {

std::string allocatorName();  // "tcmalloc", "mimalloc" or "glibc"

}  // namespace tessera
