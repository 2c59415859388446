#include "core/engine/pickle/pickle_file.h"

#include "core/common/error.h"

#include <ATen/ATen.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tessera::engine {

std::shared_ptr<PickleFile> PickleFile::open(const std::string& path) {
    const std::string name = std::filesystem::path(path).filename().string();
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error("'" + path + "': cannot open: " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
        ::close(fd);
        throw Error("'" + path + "': is not a regular, non-empty file");
    }
    const uint64_t size = static_cast<uint64_t>(st.st_size);
    void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (p == MAP_FAILED) throw Error("'" + path + "': cannot map file: " + std::strerror(errno));
    std::shared_ptr<PickleFile> f(new PickleFile());
    f->path_ = path;
    f->map_ = static_cast<uint8_t*>(p);
    f->size_ = size;

    pickle::TorchPickleContents contents = pickle::readTorchPickle(f->map_, size, name);
    f->format_ = contents.format;
    f->notes_ = std::move(contents.notes);
    f->storages_ = std::move(contents.storages);
    f->specs_ = std::move(contents.tensors);  // sorted by name, as entries_ must be
    for (const pickle::TensorSpec& t : f->specs_) {
        TensorEntry e;
        e.name = t.name;
        e.dtype = t.dtype;
        e.shape = t.record.sizes;
        const pickle::StorageSpan& s = f->storages_[static_cast<size_t>(t.record.storage)];
        const uint64_t elementSize = dtypeSize(s.dtype);
        // Byte range in the file (for releasePages): from the first element to the end of the last.
        uint64_t last = static_cast<uint64_t>(t.record.offset);
        for (size_t i = 0; i < t.record.sizes.size(); ++i)
            if (t.record.sizes[i] > 0) last += uint64_t(t.record.sizes[i] - 1) * uint64_t(t.record.strides[i]);
        e.begin = s.fileOffset + uint64_t(t.record.offset) * elementSize;
        e.end = e.numel() == 0 ? e.begin : s.fileOffset + (last + 1) * elementSize;
        f->entries_.push_back(std::move(e));
    }
    return f;
}

PickleFile::~PickleFile() {
    if (map_) ::munmap(map_, size_);
}

at::Tensor PickleFile::view(const TensorEntry& e) const {
    const pickle::TensorSpec& t = specs_[static_cast<size_t>(&e - entries_.data())];
    const pickle::StorageSpan& s = storages_[static_cast<size_t>(t.record.storage)];
    const auto options = at::TensorOptions().dtype(storageScalarType(s.dtype));
    if (e.numel() == 0) return at::empty(t.record.sizes, options);
    uint8_t* base = map_ + s.fileOffset;
    at::Tensor storage;
    if (reinterpret_cast<uintptr_t>(base) % dtypeSize(s.dtype) != 0) {
        storage = at::empty({s.numel}, options);
        std::memcpy(storage.data_ptr(), base, uint64_t(s.numel) * dtypeSize(s.dtype));
    } else {
        auto keepAlive = shared_from_this();
        storage = at::from_blob(base, {s.numel}, [keepAlive](void*) {}, options);
    }
    at::Tensor out = storage.as_strided(t.record.sizes, t.record.strides, t.record.offset);
    return out.is_contiguous() ? out : out.contiguous();
}

void PickleFile::releasePages(const std::string& name) const {
    const TensorEntry* e = find(name);
    if (!e) return;
    const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
    const uintptr_t begin = reinterpret_cast<uintptr_t>(map_ + e->begin);
    const uintptr_t end = reinterpret_cast<uintptr_t>(map_ + e->end);
    const uintptr_t first = (begin + page - 1) / page * page, last = end / page * page;
    if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

}  // namespace tessera::engine
