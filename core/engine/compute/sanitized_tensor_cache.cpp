// AddressSanitizer builds only (scripts/sanitize.sh): libtorch's CPU tensors come from a cache of freed
// blocks, kept poisoned while cached, instead of from ASan's allocator directly. ASan maps every block
// above 128 KiB afresh and unmaps it when freed, so each step of a sampler page-faulted all its
// tensors in again (a fifth of the sanitized tests' time went to the kernel) and recorded an
// allocation stack for each. A cached block is reused only for a request of exactly its size, so
// ASan's redzones around it still catch overflows; a read or write of a cached (freed) block is
// reported as a use-after-poison at the access, without the free's stack.
#if defined(__SANITIZE_ADDRESS__)

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>
#include <sanitizer/asan_interface.h>

#include <mutex>
#include <unordered_map>
#include <vector>

namespace tessera::engine {
namespace {

class PoisonedBlockCache final : public c10::Allocator {
public:
    c10::DataPtr allocate(size_t bytes) const override {
        void* block = take(bytes);
        if (!block) block = c10::alloc_cpu(bytes);
        if (block) {
            std::lock_guard lock(mutex_);
            sizes_[block] = bytes;
        }
        return {block, block, &release, c10::Device(c10::DeviceType::CPU)};
    }
    c10::DeleterFnPtr raw_deleter() const override { return &release; }

private:
    static constexpr size_t kMaxCachedBytes = size_t(1) << 30;

    static void release(void* block);

    void* take(size_t bytes) const {
        std::lock_guard lock(mutex_);
        auto it = free_.find(bytes);
        if (it == free_.end() || it->second.empty()) return nullptr;
        void* block = it->second.back();
        it->second.pop_back();
        cachedBytes_ -= bytes;
        ASAN_UNPOISON_MEMORY_REGION(block, bytes);
        return block;
    }

    void give(void* block) {
        size_t bytes = 0;
        {
            std::lock_guard lock(mutex_);
            auto it = sizes_.find(block);
            if (it != sizes_.end()) {
                bytes = it->second;
                sizes_.erase(it);
                if (cachedBytes_ + bytes <= kMaxCachedBytes) {
                    ASAN_POISON_MEMORY_REGION(block, bytes);
                    free_[bytes].push_back(block);
                    cachedBytes_ += bytes;
                    return;
                }
            }
        }
        c10::free_cpu(block);
    }

    mutable std::mutex mutex_;
    mutable std::unordered_map<void*, size_t> sizes_;
    mutable std::unordered_map<size_t, std::vector<void*>> free_;
    mutable size_t cachedBytes_ = 0;

    friend PoisonedBlockCache& cache();
};

// Never destroyed: tensors freed by other static destructors at exit still find it (and LeakSanitizer
// sees the cached blocks as reachable).
PoisonedBlockCache& cache() {
    static auto* instance = new PoisonedBlockCache;
    return *instance;
}

void PoisonedBlockCache::release(void* block) {
    if (block) cache().give(block);
}

// Above libtorch's default CPU allocator (priority 0), from when this library is loaded.
const bool installed = [] {
    c10::SetCPUAllocator(&cache(), 1);
    return true;
}();

}  // namespace
}  // namespace tessera::engine

#endif  // __SANITIZE_ADDRESS__
