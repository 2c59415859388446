#pragma once
// A model file mapped copy-on-write (tensors are views of it that libtorch may write to), guarded
// against the file being truncated underneath (MappingGuard: zero pages instead of SIGBUS), and
// remembering which file it was so a reader can tell when it was rewritten in place.
#include <cstdint>
#include <ctime>
#include <memory>
#include <string>

namespace tessera::engine {

class MappingGuard;

class MappedFile {
public:
    // Throws tessera::Error naming the path: missing, unreadable, not a regular file, unmappable.
    // An empty file is not mapped (data() is null): its reader says what that means for its format.
    static std::unique_ptr<MappedFile> open(const std::string& path);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    uint8_t* data() const { return data_; }
    uint64_t size() const { return size_; }

    // Throws tessera::Error when a read found the file truncated, or when the file at `path_` is
    // still this one but its size or modification time changed. A file renamed over it is fine:
    // the mapping still holds the old one.
    void checkUnchanged() const;
    // Drops this process's pages of bytes [begin, end) (whole pages inside it only).
    void releasePages(uint64_t begin, uint64_t end) const;
    // Maps the pages of bytes [begin, end) in one system call where the kernel can
    // (MADV_POPULATE_READ, Linux 5.14+); a no-op elsewhere.
    void prefault(uint64_t begin, uint64_t end) const;

private:
    MappedFile() = default;
    std::string path_;
    uint8_t* data_ = nullptr;
    uint64_t size_ = 0;
    std::unique_ptr<MappingGuard> guard_;
    uint64_t device_ = 0, inode_ = 0;
    timespec mtime_{};
};

}  // namespace tessera::engine
