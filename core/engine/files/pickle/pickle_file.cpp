#include "core/engine/files/pickle/pickle_file.h"

#include "core/common/error.h"
#include "core/engine/files/mapped_file.h"

#include <ATen/ATen.h>

#include <cstring>
#include <filesystem>

namespace tessera::engine {

std::shared_ptr<PickleFile> PickleFile::open(const std::string& path) {
    const std::string name = std::filesystem::path(path).filename().string();
    std::unique_ptr<MappedFile> file = MappedFile::open(path);
    if (file->size() == 0) throw Error("'" + path + "': is not a regular, non-empty file");
    std::shared_ptr<PickleFile> f(new PickleFile());
    f->path_ = path;
    f->file_ = std::move(file);

    pickle::TorchPickleContents contents = pickle::readTorchPickle(f->file_->data(), f->file_->size(), name);
    f->format_ = contents.format;
    f->notes_ = std::move(contents.notes);
    f->metadata_ = std::move(contents.metadata);
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

PickleFile::~PickleFile() = default;

void PickleFile::checkUnchanged() const { file_->checkUnchanged(); }

at::Tensor PickleFile::view(const TensorEntry& e) const {
    const pickle::TensorSpec& t = specs_[static_cast<size_t>(&e - entries_.data())];
    const pickle::StorageSpan& s = storages_[static_cast<size_t>(t.record.storage)];
    const auto options = at::TensorOptions().dtype(storageScalarType(s.dtype));
    if (e.numel() == 0) return at::empty(t.record.sizes, options);
    uint8_t* base = file_->data() + s.fileOffset;
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
    if (const TensorEntry* e = find(name)) file_->releasePages(e->begin, e->end);
}

void PickleFile::prefault(const std::string& name) const {
    if (const TensorEntry* e = find(name)) file_->prefault(e->begin, e->end);
}

}  // namespace tessera::engine
