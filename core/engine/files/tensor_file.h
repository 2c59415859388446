#pragma once
// A model file's named tensors, whatever the format: .safetensors (SafetensorsFile) or a
// PyTorch pickle (.ckpt/.pt/.pth/.bin, PickleFile, read without running any code). Loaders take
// a TensorFile, so they infer hyper-parameters the same way from either.
#include "core/engine/compute/dtype.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tessera::engine {

struct TensorEntry {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;
    uint64_t begin = 0;  // safetensors: byte offsets relative to the data section
    uint64_t end = 0;
    int64_t numel() const;
};

class TensorFile : public std::enable_shared_from_this<TensorFile> {
public:
    virtual ~TensorFile() = default;
    TensorFile(const TensorFile&) = delete;
    TensorFile& operator=(const TensorFile&) = delete;

    const std::string& path() const { return path_; }
    const std::vector<TensorEntry>& entries() const { return entries_; }  // sorted by name
    const std::map<std::string, std::string>& metadata() const { return metadata_; }
    const TensorEntry* find(const std::string& name) const;
    bool contains(const std::string& name) const { return find(name) != nullptr; }

    // The tensor as stored (F32/F16/BF16/I64/...), a copy-on-write view of the file's mapping
    // where possible, keeping the file mapped while it lives. Throws tessera::Error naming the
    // file when it has no such tensor.
    at::Tensor tensor(const std::string& name) const;
    // The tensor converted to `dtype` (no copy when it already has that dtype).
    at::Tensor tensor(const std::string& name, at::ScalarType dtype) const;
    // Drops this process's mapped pages of the tensor (they stay in the page cache); for loaders
    // that converted it into memory of their own. Only when no view of it has been written to.
    virtual void releasePages(const std::string& name) const { (void)name; }
    // Maps the tensor's pages in one system call where the kernel can.
    virtual void prefault(const std::string& name) const { (void)name; }
    // Throws tessera::Error when the file was truncated or rewritten in place since it was opened
    // (safetensors: a read of the missing part found zeros instead of killing the process with
    // SIGBUS, or its size or modification time changed). A file replaced by another one (renamed
    // over it) is fine: the mapping still holds the old one. Loaders call it once they have copied
    // what they need.
    virtual void checkUnchanged() const {}

protected:
    TensorFile() = default;
    virtual at::Tensor view(const TensorEntry& e) const = 0;
    void sortEntries();

    std::string path_;
    std::vector<TensorEntry> entries_;
    std::map<std::string, std::string> metadata_;
};

// The libtorch type that holds a stored element type's bytes as they are (F8 types as bytes,
// decoded to float32 by the reader).
at::ScalarType storageScalarType(DType d);

// Opens a model file by its content: a PyTorch zip or legacy pickle, else safetensors.
// Throws tessera::Error naming the file and the problem (missing, truncated, corrupt, refused
// pickle global).
std::shared_ptr<TensorFile> openTensorFile(const std::string& path);

// True for the extensions of PyTorch pickles (.ckpt .pt .pth .bin), case-insensitive.
bool isPickleModelPath(const std::string& path);

}  // namespace tessera::engine
