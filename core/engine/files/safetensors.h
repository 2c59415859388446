#pragma once
// Memory-mapped reader for .safetensors files. The header is validated completely
// (length, JSON, dtypes, shapes against byte ranges, ranges inside the file, no overlaps)
// before any tensor is handed out. Never executes pickles.
#include "core/engine/files/tensor_file.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tessera::engine {

class MappedFile;

struct SafetensorsHeader {
    std::vector<TensorEntry> entries;  // sorted by name
    std::map<std::string, std::string> metadata;
    uint64_t dataOffset = 0;  // 8 + header length
};

// Parses and validates the header of a file of `fileSize` bytes whose first bytes are `data`
// (at least min(fileSize, 8 + header length) bytes). Throws tessera::Error naming `what`.
SafetensorsHeader parseSafetensorsHeader(const uint8_t* data, uint64_t available, uint64_t fileSize,
                                         const std::string& what);

class SafetensorsFile : public TensorFile {
public:
    // Throws tessera::Error with the path and the problem (missing, truncated, corrupt, pickle).
    static std::shared_ptr<SafetensorsFile> open(const std::string& path);
    ~SafetensorsFile() override;

    // F8 types are converted to F32 by tensor().
    void releasePages(const std::string& name) const override;
    // MADV_POPULATE_READ (Linux 5.14+) instead of one page fault per 4 KiB page; a no-op where the
    // kernel lacks it.
    void prefault(const std::string& name) const override;

    // Zero pages instead of SIGBUS for reads past a truncation, then an error here (see TensorFile).
    void checkUnchanged() const override;

private:
    SafetensorsFile() = default;
    at::Tensor view(const TensorEntry& e) const override;

    uint64_t dataOffset_ = 0;
    std::unique_ptr<MappedFile> file_;
};

// Writes tensors (any dtype safetensors knows) to `path` atomically. Used by tests, the
// benchmark (full-size random checkpoints) and LoRA/embedding tooling.
void writeSafetensors(const std::string& path, const std::map<std::string, at::Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

// Reads every tensor of a file into memory, converted to float32 (integer tensors keep their type).
std::map<std::string, at::Tensor> loadAllTensors(const std::string& path);

}  // namespace tessera::engine
