#pragma once
// Reading a memory-mapped file that another program truncates raises SIGBUS, which kills the
// process (the editor, the server) with every unsaved change. Mappings registered here are
// protected instead: a fault inside one maps zero pages over the missing part, so the read
// completes, and marks the mapping damaged; the reader checks the mark once it is done and
// reports the file as changed. Faults anywhere else go to the previous SIGBUS disposition.
#include <atomic>
#include <cstddef>
#include <memory>

namespace tessera::engine {

class MappingGuard {
public:
    // Protects [begin, begin + size) while the returned guard lives. At most 256 mappings at once;
    // beyond that a mapping is simply not protected (damaged() stays false).
    static std::unique_ptr<MappingGuard> protect(const void* begin, size_t size);
    ~MappingGuard();
    MappingGuard(const MappingGuard&) = delete;
    MappingGuard& operator=(const MappingGuard&) = delete;

    // True once a read inside the mapping found the file shorter than when it was mapped.
    bool damaged() const;

private:
    explicit MappingGuard(int slot) : slot_(slot) {}
    int slot_;
};

}  // namespace tessera::engine
