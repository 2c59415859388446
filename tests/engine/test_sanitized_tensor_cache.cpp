// Under AddressSanitizer libtorch's CPU tensors come from a cache of freed blocks that stay poisoned
// while cached (core/engine/compute/sanitized_tensor_cache.cpp). These tests hold it to what ASan's own
// allocator guarantees: a freed tensor's memory is unaddressable until reused, and the byte past a
// tensor is unaddressable whether its block is new or reused. They skip where ASan is not loaded.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

extern "C" int __asan_address_is_poisoned(void const volatile* address) __attribute__((weak));

namespace {

bool asanInThisProcess() { return __asan_address_is_poisoned != nullptr; }

bool unaddressable(const void* address) { return __asan_address_is_poisoned(address) != 0; }

}  // namespace

TEST(SanitizedTensorCache, AFreedTensorIsUnaddressableUntilItsBlockServesATensorOfTheSameSize) {
    if (!asanInThisProcess()) GTEST_SKIP() << "AddressSanitizer is not in this process";
    const int64_t count = 70001;  // above ASan's 128 KiB limit for pooled blocks, and an odd size
    at::Tensor first = at::zeros({count});
    const auto* block = static_cast<const char*>(first.data_ptr());
    EXPECT_FALSE(unaddressable(block));
    EXPECT_FALSE(unaddressable(block + count * 4 - 1));
    EXPECT_TRUE(unaddressable(block + count * 4)) << "no redzone after a new tensor";
    first.reset();
    EXPECT_TRUE(unaddressable(block)) << "a freed tensor's memory stayed addressable";
    EXPECT_TRUE(unaddressable(block + count * 2));

    at::Tensor other = at::zeros({count - 1});  // another size never takes the block
    EXPECT_NE(other.data_ptr(), static_cast<const void*>(block));
    EXPECT_TRUE(unaddressable(block));

    at::Tensor second = at::ones({count});
    ASSERT_EQ(second.data_ptr(), static_cast<const void*>(block)) << "the freed block was not reused";
    EXPECT_FALSE(unaddressable(block));
    EXPECT_FALSE(unaddressable(block + count * 4 - 1));
    EXPECT_TRUE(unaddressable(block + count * 4)) << "no redzone after a reused tensor";
    EXPECT_EQ(second.sum().item<double>(), double(count));
}
