#pragma once
// Which malloc this process runs on: the build links tcmalloc (or mimalloc) into every Tessera
// program (cmake/TesseraAllocator.cmake); "glibc" means a build or a host program without it.
#include <cstddef>
#include <string>

namespace tessera {

std::string allocatorName();  // "tcmalloc", "mimalloc" or "glibc"

// Each sampling step frees and allocates the same large tensors again. By default tcmalloc hands freed
// spans back to the kernel a little at a time, and the next step faults them in afresh: 2 s of a 14 s
// float32 CFG step (README, "Memory allocator"). While graphs run, the Executor keeps freed memory for
// reuse (tcmalloc's release rate 0; TCMALLOC_RELEASE_RATE, where set, wins), and gives it all back once
// its queue is empty, so an idle editor or server holds only what it still uses. Elsewhere these do nothing.
void holdFreedMemory();
void releaseFreedMemory();
bool holdingFreedMemory();  // tcmalloc's release rate is 0
// What the allocator holds beyond the memory in use, in bytes; zeros where it cannot say (not tcmalloc).
struct AllocatorMemory {
    size_t heldFree = 0;  // free, kept mapped for reuse
    size_t returned = 0;  // given back to the kernel, faulted in afresh when reused
};
AllocatorMemory allocatorMemory();

}  // namespace tessera
