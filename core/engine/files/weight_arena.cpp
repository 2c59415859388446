#include "core/engine/files/weight_arena.h"

#include "core/common/error.h"

#include <ATen/ATen.h>

#include <sys/mman.h>

#include <cerrno>
#include <cstring>

namespace tessera::engine {

namespace {

constexpr size_t kAlignment = 64;
constexpr size_t kHugePage = size_t(2) << 20;

size_t alignUp(size_t v, size_t a) { return (v + a - 1) / a * a; }

}  // namespace

size_t WeightArena::bytesFor(at::IntArrayRef sizes, at::ScalarType dtype) {
    size_t n = 1;
    for (int64_t s : sizes) n *= size_t(s);
    return alignUp(n * c10::elementSize(dtype), kAlignment);
}

std::shared_ptr<WeightArena> WeightArena::create(size_t bytes) {
    std::shared_ptr<WeightArena> arena(new WeightArena());
    // Over-map by one huge page so the start can sit on a 2 MiB boundary.
    arena->mapped_ = alignUp(bytes, kHugePage) + kHugePage;
    void* p = ::mmap(nullptr, arena->mapped_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        throw Error("cannot reserve " + std::to_string(bytes >> 20) + " MiB for model weights: " + std::strerror(errno));
    arena->base_ = p;
    arena->start_ = reinterpret_cast<char*>(alignUp(reinterpret_cast<uintptr_t>(p), kHugePage));
    arena->capacity_ = arena->mapped_ - size_t(arena->start_ - static_cast<char*>(p));
#ifdef MADV_HUGEPAGE
    ::madvise(arena->start_, alignUp(bytes, kHugePage), MADV_HUGEPAGE);  // a hint: fine if refused
#endif
    return arena;
}

WeightArena::~WeightArena() {
    if (base_) ::munmap(base_, mapped_);
}

at::Tensor WeightArena::allocate(at::IntArrayRef sizes, at::ScalarType dtype) {
    const size_t bytes = bytesFor(sizes, dtype);
    if (used_ + bytes > capacity_) throw Error("weight arena overflow (internal error)");
    void* p = start_ + used_;
    used_ += bytes;
    auto keepAlive = shared_from_this();
    return at::from_blob(p, sizes, [keepAlive](void*) {}, at::TensorOptions().dtype(dtype));
}

}  // namespace tessera::engine
