#pragma once
// The memory limit the nodes check against (setMemoryLimitForTesting) for one scope, then back to the
// system's: tests set a small limit instead of exhausting the machine.
#include "core/exec/memory_budget.h"

#include <cstdint>
#include <optional>

namespace tessera::test {

struct MemoryLimitForTest {
    explicit MemoryLimitForTest(std::optional<uint64_t> bytes) { setMemoryLimitForTesting(bytes); }
    ~MemoryLimitForTest() { setMemoryLimitForTesting(std::nullopt); }
    MemoryLimitForTest(const MemoryLimitForTest&) = delete;
    MemoryLimitForTest& operator=(const MemoryLimitForTest&) = delete;
};

}  // namespace tessera::test
