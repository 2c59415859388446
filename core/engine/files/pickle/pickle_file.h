#pragma once
// A PyTorch pickle model file (.ckpt .pt .pth .bin, zip or legacy torch.save format) read as a
// TensorFile without running any code (torch_pickle.h). Tensors are views of the mapped file,
// sharing storages as the file does; non-contiguous ones are copied into contiguous memory.
#include "core/engine/files/pickle/torch_pickle.h"
#include "core/engine/files/tensor_file.h"

namespace tessera::engine {

class MappedFile;

class PickleFile : public TensorFile {
public:
    // Throws tessera::Error naming the file: refused globals, damaged or truncated files.
    static std::shared_ptr<PickleFile> open(const std::string& path);
    ~PickleFile() override;

    const std::string& format() const { return format_; }                // "zip" or "legacy"
    const std::vector<std::string>& notes() const { return notes_; }     // what was unwrapped
    void releasePages(const std::string& name) const override;
    void prefault(const std::string& name) const override;
    // Zero pages instead of SIGBUS for reads past a truncation, then an error here (see TensorFile).
    void checkUnchanged() const override;

private:
    PickleFile() = default;
    at::Tensor view(const TensorEntry& e) const override;

    std::string format_;
    std::vector<std::string> notes_;
    std::vector<pickle::StorageSpan> storages_;
    std::vector<pickle::TensorSpec> specs_;  // parallel to entries_
    std::unique_ptr<MappedFile> file_;
};

}  // namespace tessera::engine
