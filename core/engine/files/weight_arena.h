#pragma once
// One block of memory for a network's converted weights, asking the kernel for transparent huge pages
// (Debian's default THP mode is "madvise"): 2 MiB pages mean 512 times fewer page faults while a
// checkpoint loads and fewer TLB misses while the network runs. Tensors carved from the arena keep it
// alive; it is unmapped when the last of them goes.
#include <ATen/core/Tensor.h>

#include <cstddef>
#include <memory>

namespace tessera::engine {

class WeightArena : public std::enable_shared_from_this<WeightArena> {
public:
    // Throws tessera::Error when the memory cannot be had.
    static std::shared_ptr<WeightArena> create(size_t bytes);
    ~WeightArena();
    WeightArena(const WeightArena&) = delete;
    WeightArena& operator=(const WeightArena&) = delete;

    // A contiguous CPU tensor at the next 64-byte boundary; throws when the arena is full.
    at::Tensor allocate(at::IntArrayRef sizes, at::ScalarType dtype);
    static size_t bytesFor(at::IntArrayRef sizes, at::ScalarType dtype);  // including alignment

private:
    WeightArena() = default;
    void* base_ = nullptr;
    size_t mapped_ = 0, capacity_ = 0, used_ = 0;
    char* start_ = nullptr;
};

}  // namespace tessera::engine
