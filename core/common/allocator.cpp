#include "core/common/allocator.h"

#include <dlfcn.h>

#include <cstdlib>

#if defined(TESSERA_TCMALLOC_LINKED) && __has_include(<gperftools/malloc_extension.h>)
#include <gperftools/malloc_extension.h>
#define TESSERA_HAVE_MALLOC_EXTENSION 1
#endif

namespace tessera {

namespace {

#ifdef TESSERA_HAVE_MALLOC_EXTENSION
// tcmalloc's MallocExtension::instance(), looked up at run time: only a tcmalloc build has it. The header
// gives its interface; every call goes through the object's virtual table.
MallocExtension* tcmalloc() {
    using Instance = MallocExtension* (*)();
    static const auto instance = reinterpret_cast<Instance>(::dlsym(RTLD_DEFAULT, "_ZN15MallocExtension8instanceEv"));
    return instance && ::dlsym(RTLD_DEFAULT, "tc_version") ? instance() : nullptr;
}
#endif

}  // namespace

std::string allocatorName() {
    // Each allocator exports a version function under its own name; glibc's malloc has neither.
    if (::dlsym(RTLD_DEFAULT, "tc_version")) return "tcmalloc";
    if (::dlsym(RTLD_DEFAULT, "mi_version")) return "mimalloc";
    return "glibc";
}

void holdFreedMemory() {
#ifdef TESSERA_HAVE_MALLOC_EXTENSION
    if (MallocExtension* m = tcmalloc(); m && !std::getenv("TCMALLOC_RELEASE_RATE")) m->SetMemoryReleaseRate(0);
#endif
}

void releaseFreedMemory() {
#ifdef TESSERA_HAVE_MALLOC_EXTENSION
    if (MallocExtension* m = tcmalloc()) m->ReleaseFreeMemory();
#endif
}

bool holdingFreedMemory() {
#ifdef TESSERA_HAVE_MALLOC_EXTENSION
    if (MallocExtension* m = tcmalloc()) return m->GetMemoryReleaseRate() <= 0;
#endif
    return false;
}

AllocatorMemory allocatorMemory() {
    AllocatorMemory memory;
#ifdef TESSERA_HAVE_MALLOC_EXTENSION
    if (MallocExtension* m = tcmalloc()) {
        m->GetNumericProperty("tcmalloc.pageheap_free_bytes", &memory.heldFree);
        m->GetNumericProperty("tcmalloc.pageheap_unmapped_bytes", &memory.returned);
    }
#endif
    return memory;
}

}  // namespace tessera
