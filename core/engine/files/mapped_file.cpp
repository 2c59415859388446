#include "core/engine/files/mapped_file.h"

#include "core/common/error.h"
#include "core/engine/files/mapping_guard.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tessera::engine {

std::unique_ptr<MappedFile> MappedFile::open(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error("'" + path + "': cannot open: " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw Error("'" + path + "': is not a regular file");
    }
    std::unique_ptr<MappedFile> f(new MappedFile());
    f->path_ = path;
    f->size_ = static_cast<uint64_t>(st.st_size);
    f->device_ = st.st_dev;
    f->inode_ = st.st_ino;
    f->mtime_ = st.st_mtim;
    if (f->size_ > 0) {
        void* p = ::mmap(nullptr, f->size_, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
        const int mapError = errno;
        ::close(fd);
        if (p == MAP_FAILED) throw Error("'" + path + "': cannot map file: " + std::strerror(mapError));
        f->data_ = static_cast<uint8_t*>(p);
        f->guard_ = MappingGuard::protect(p, f->size_);
    } else {
        ::close(fd);
    }
    return f;
}

MappedFile::~MappedFile() {
    guard_.reset();  // before the addresses can be reused
    if (data_) ::munmap(data_, size_);
}

void MappedFile::checkUnchanged() const {
    struct stat st {};
    const bool sameFile = ::stat(path_.c_str(), &st) == 0 && st.st_dev == device_ && st.st_ino == inode_;
    const bool rewritten = sameFile && (uint64_t(st.st_size) != size_ || st.st_mtim.tv_sec != mtime_.tv_sec ||
                                        st.st_mtim.tv_nsec != mtime_.tv_nsec);
    if (!(guard_ && guard_->damaged()) && !rewritten) return;
    const std::string now = sameFile ? "; it is now " + std::to_string(st.st_size) + " bytes, was " + std::to_string(size_) : "";
    throw Error("'" + path_ + "': changed on disk while it was being read (truncated or rewritten" + now +
                "); wait until it is completely written or copied, then run again");
}

namespace {
uintptr_t pageSize() { return static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE)); }
}  // namespace

void MappedFile::releasePages(uint64_t begin, uint64_t end) const {
    if (!data_ || end <= begin || end > size_) return;
    const uintptr_t page = pageSize();
    const uintptr_t first = (reinterpret_cast<uintptr_t>(data_ + begin) + page - 1) / page * page;
    const uintptr_t last = reinterpret_cast<uintptr_t>(data_ + end) / page * page;
    if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

void MappedFile::prefault(uint64_t begin, uint64_t end) const {
#ifndef MADV_POPULATE_READ
    constexpr int MADV_POPULATE_READ = 22;
#endif
    if (!data_ || end <= begin || end > size_) return;
    const uintptr_t page = pageSize();
    const uintptr_t first = reinterpret_cast<uintptr_t>(data_ + begin) / page * page;
    const uintptr_t last = reinterpret_cast<uintptr_t>(data_ + end);
    ::madvise(reinterpret_cast<void*>(first), last - first, MADV_POPULATE_READ);
}

}  // namespace tessera::engine
