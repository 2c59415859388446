#include "core/engine/files/tensor_file.h"

#include "core/common/error.h"
#include "core/engine/files/pickle/pickle_file.h"
#include "core/engine/files/safetensors.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>

namespace tessera::engine {

int64_t TensorEntry::numel() const {
    int64_t n = 1;
    for (auto s : shape) n *= s;
    return n;
}

const TensorEntry* TensorFile::find(const std::string& name) const {
    auto it = std::lower_bound(entries_.begin(), entries_.end(), name,
                               [](const TensorEntry& e, const std::string& n) { return e.name < n; });
    return (it != entries_.end() && it->name == name) ? &*it : nullptr;
}

at::Tensor TensorFile::tensor(const std::string& name) const {
    const TensorEntry* e = find(name);
    if (!e) throw Error("'" + path_ + "': has no tensor '" + name + "'");
    return view(*e);
}

at::Tensor TensorFile::tensor(const std::string& name, at::ScalarType dtype) const { return tensor(name).to(dtype); }

void TensorFile::sortEntries() {
    std::sort(entries_.begin(), entries_.end(), [](const TensorEntry& a, const TensorEntry& b) { return a.name < b.name; });
}

bool isPickleModelPath(const std::string& path) {
    std::string ext = std::filesystem::path(path).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return ext == ".ckpt" || ext == ".pt" || ext == ".pth" || ext == ".bin";
}

at::ScalarType storageScalarType(DType d) {
    switch (d) {
        case DType::F64: return at::kDouble;
        case DType::F32: return at::kFloat;
        case DType::F16: return at::kHalf;
        case DType::BF16: return at::kBFloat16;
        case DType::I64: return at::kLong;
        case DType::I32: return at::kInt;
        case DType::I16: return at::kShort;
        case DType::I8: return at::kChar;
        case DType::U8: return at::kByte;
        case DType::Bool: return at::kBool;
        case DType::F8_E4M3:
        case DType::F8_E5M2: return at::kByte;
    }
    return at::kByte;
}

std::shared_ptr<TensorFile> openTensorFile(const std::string& path) {
    char magic[2] = {0, 0};
    {
        std::ifstream in(path, std::ios::binary);
        in.read(magic, 2);
    }
    const bool zip = magic[0] == 'P' && magic[1] == 'K';
    const bool pickle = static_cast<uint8_t>(magic[0]) == 0x80 && static_cast<uint8_t>(magic[1]) <= 5;
    if (zip || pickle) return PickleFile::open(path);
    try {
        return SafetensorsFile::open(path);  // whatever its name says: the content decides
    } catch (const Error&) {
        if (!isPickleModelPath(path) || !std::filesystem::is_regular_file(path)) throw;
        throw Error("'" + path + "' is not a PyTorch checkpoint (neither torch.save's zip format nor its legacy format) "
                    "nor a safetensors file; is the file complete?");
    }
}

}  // namespace tessera::engine
