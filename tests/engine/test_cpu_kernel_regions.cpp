// The sanitized build compiles the element-wise kernels without ASan's per-access checks (so that
// they vectorise) and checks each buffer's whole region on entry instead (cpu_kernels.cpp). These
// tests hold that check to what ASan would have found: a row one value longer than its buffer.
// They run where AddressSanitizer is in the process (CI's sanitizer pass) and skip elsewhere.
#include "core/engine/compute/cpu_kernels.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <numeric>
#include <vector>

extern "C" void* __asan_region_is_poisoned(void* begin, std::size_t size) __attribute__((weak));

using namespace tessera::engine;

namespace {

bool addressSanitizerLoaded() { return __asan_region_is_poisoned != nullptr; }

}  // namespace

TEST(CpuKernelRegions, ARowThatFitsItsBuffersRuns) {
    if (!addressSanitizerLoaded()) GTEST_SKIP() << "AddressSanitizer is not in this process";
    std::vector<float> x(37, 1.0f), scratch(37), y(37);
    kernels::softmaxRow(x.data(), int64_t(x.size()), 1.0f, scratch.data(), y.data());
    EXPECT_NEAR(std::accumulate(y.begin(), y.end(), 0.0), 1.0, 1e-5);
}

TEST(CpuKernelRegions, ReadingPastAHeapBufferStopsTheProcessNamingTheKernelAndBuffer) {
    if (!addressSanitizerLoaded()) GTEST_SKIP() << "AddressSanitizer is not in this process";
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    const auto softmaxOfARowTooLongForItsInput = [] {
        std::vector<float> x(37, 1.0f), scratch(38), y(38);
        kernels::softmaxRow(x.data(), 38, 1.0f, scratch.data(), y.data());
    };
    EXPECT_DEATH(softmaxOfARowTooLongForItsInput(), "kernels::softmaxRow: buffer 1 \\(152 bytes at .*\\) reaches unaddressable memory");
}

TEST(CpuKernelRegions, WritingPastAHeapBufferStopsTheProcessNamingTheKernelAndBuffer) {
    if (!addressSanitizerLoaded()) GTEST_SKIP() << "AddressSanitizer is not in this process";
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    const auto conversionIntoAShortOutput = [] {
        std::vector<float> x(64, 0.5f);
        std::vector<kernels::bf16> y(63);
        kernels::floatToBf16Row(x.data(), int64_t(x.size()), y.data());
    };
    EXPECT_DEATH(conversionIntoAShortOutput(), "kernels::floatToBf16Row: buffer 2 \\(128 bytes at .*\\) reaches unaddressable memory");
}
