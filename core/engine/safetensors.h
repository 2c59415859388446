#pragma once
// Memory-mapped reader for .safetensors files. The header is validated completely
// (length, JSON, dtypes, shapes against byte ranges, ranges inside the file, no overlaps)
// before any tensor is handed out. Never executes pickles.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tessera::engine {

class MappingGuard;

enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, Bool, F8_E4M3, F8_E5M2 };

const char* dtypeName(DType d);
size_t dtypeSize(DType d);

struct TensorEntry {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;
    uint64_t begin = 0;  // byte offsets relative to the data section
    uint64_t end = 0;
    int64_t numel() const;
};

struct SafetensorsHeader {
    std::vector<TensorEntry> entries;  // sorted by name
    std::map<std::string, std::string> metadata;
    uint64_t dataOffset = 0;  // 8 + header length
};

// Parses and validates the header of a file of `fileSize` bytes whose first bytes are `data`
// (at least min(fileSize, 8 + header length) bytes). Throws tessera::Error naming `what`.
SafetensorsHeader parseSafetensorsHeader(const uint8_t* data, uint64_t available, uint64_t fileSize,
                                         const std::string& what);

class SafetensorsFile : public std::enable_shared_from_this<SafetensorsFile> {
public:
    // Throws tessera::Error with the path and the problem (missing, truncated, corrupt, pickle).
    static std::shared_ptr<SafetensorsFile> open(const std::string& path);
    ~SafetensorsFile();
    SafetensorsFile(const SafetensorsFile&) = delete;
    SafetensorsFile& operator=(const SafetensorsFile&) = delete;

    const std::string& path() const { return path_; }
    const std::vector<TensorEntry>& entries() const { return header_.entries; }
    const std::map<std::string, std::string>& metadata() const { return header_.metadata; }
    const TensorEntry* find(const std::string& name) const;
    bool contains(const std::string& name) const { return find(name) != nullptr; }

    // The tensor as stored (F32/F16/BF16/I64/...), a copy-on-write view of the mapping that
    // keeps the file mapped while it lives. F8 types are converted to F32.
    at::Tensor tensor(const std::string& name) const;
    // The tensor converted to `dtype` (no copy when it already has that dtype).
    at::Tensor tensor(const std::string& name, at::ScalarType dtype) const;
    // Drops this process's mapped pages of the tensor (they stay in the page cache; a later view
    // reads them again). For loaders that converted the tensor into memory of its own: otherwise the
    // pages of a 2 GB checkpoint stay resident beside the converted weights until the file is closed.
    // Only whole pages inside the tensor's bytes are dropped; call it only when no view of the
    // tensor has been written to.
    void releasePages(const std::string& name) const;
    // Maps the tensor's pages in one system call (MADV_POPULATE_READ, Linux 5.14+) instead of one page
    // fault per 4 KiB page while it is read; a no-op where the kernel lacks it.
    void prefault(const std::string& name) const;

    // Throws tessera::Error when the file was truncated or rewritten in place since it was opened (a
    // read of the missing part found zeros instead of killing the process with SIGBUS, or its size or
    // modification time changed). A file replaced by another one (renamed over it) is fine: the mapping
    // still holds the old one. Loaders call it once they have copied what they need.
    void checkUnchanged() const;

private:
    SafetensorsFile() = default;
    at::Tensor view(const TensorEntry& e) const;

    std::string path_;
    SafetensorsHeader header_;
    uint8_t* map_ = nullptr;
    uint64_t size_ = 0;
    std::unique_ptr<MappingGuard> guard_;  // SIGBUS on the mapping -> zero pages + a mark
    uint64_t device_ = 0, inode_ = 0;
    timespec mtime_{};
};

// Writes tensors (any dtype safetensors knows) to `path` atomically. Used by tests, the
// benchmark (full-size random checkpoints) and LoRA/embedding tooling.
void writeSafetensors(const std::string& path, const std::map<std::string, at::Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

// Reads every tensor of a file into memory, converted to float32 (integer tensors keep their type).
std::map<std::string, at::Tensor> loadAllTensors(const std::string& path);

}  // namespace tessera::engine
