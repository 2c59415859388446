#include "core/common/allocator.h"

#include <dlfcn.h>

namespace tessera {

std::string allocatorName() {
    // Each allocator exports a version function under its own name; glibc's malloc has neither.
    if (::dlsym(RTLD_DEFAULT, "tc_version")) return "tcmalloc";
    if (::dlsym(RTLD_DEFAULT, "mi_version")) return "mimalloc";
    return "glibc";
}

}  // namespace tessera
