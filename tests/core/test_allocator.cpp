#include "core/common/allocator.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>

using namespace tessera;

TEST(Allocator, HoldsFreedMemoryForReuseAndGivesItBackOnRequest) {
    if (allocatorName() != "tcmalloc") GTEST_SKIP() << "this process runs on " << allocatorName();
    if (std::getenv("TCMALLOC_RELEASE_RATE")) GTEST_SKIP() << "TCMALLOC_RELEASE_RATE is set, and wins";
    holdFreedMemory();
    EXPECT_TRUE(holdingFreedMemory());
    // Blocks of 64 MiB and up allocated and freed one after another, as a sampling step's tensors come and go.
    for (int i = 0; i < 8; ++i) {
        const size_t bytes = (size_t(64) << 20) + size_t(i) * (size_t(1) << 20);
        std::unique_ptr<char[]> block(new char[bytes]);
        static_cast<volatile char*>(block.get())[bytes - 1] = 1;
    }
    const AllocatorMemory held = allocatorMemory();
    EXPECT_GE(held.heldFree, size_t(64) << 20);
    releaseFreedMemory();
    const AllocatorMemory idle = allocatorMemory();
    EXPECT_LT(idle.heldFree, size_t(8) << 20);
    EXPECT_GE(idle.returned, held.returned + held.heldFree - (size_t(8) << 20));
}
