#include "core/engine/text/textual_inversion.h"

#include "core/common/error.h"
#include "core/engine/files/tensor_file.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <filesystem>

namespace tessera::engine {
namespace {

namespace fs = std::filesystem;

bool isFile(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec);
}

// `dir` and every folder below it, the folder itself first, the others sorted.
std::vector<fs::path> folderTree(const fs::path& dir) {
    std::vector<fs::path> out{dir};
    std::error_code ec;
    std::vector<fs::path> below;
    for (fs::recursive_directory_iterator it(dir, fs::directory_options::follow_directory_symlink |
                                                      fs::directory_options::skip_permission_denied,
                                             ec),
         end;
         !ec && it != end; it.increment(ec))
        if (it->is_directory(ec)) below.push_back(it->path());
    std::sort(below.begin(), below.end());
    out.insert(out.end(), below.begin(), below.end());
    return out;
}

bool inside(const fs::path& dir, const fs::path& candidate) {
    const fs::path rel = fs::absolute(candidate).lexically_normal().lexically_relative(fs::absolute(dir).lexically_normal());
    return !rel.empty() && *rel.begin() != "..";
}

}  // namespace

EmbeddingFolders::EmbeddingFolders(std::vector<std::string> folders) : folders_(std::move(folders)) {}

std::string EmbeddingFolders::describeLocations() const {
    if (folders_.empty()) return "(no embeddings folder configured)";
    std::string out;
    for (const std::string& f : folders_) out += (out.empty() ? "" : ", ") + f;
    return out;
}

std::optional<std::string> EmbeddingFolders::locate(const std::string& name) const {
    if (name.empty()) return std::nullopt;
    for (const std::string& root : folders_) {
        for (const fs::path& dir : folderTree(root)) {
            const fs::path candidate = dir / name;
            if (!inside(dir, candidate)) continue;  // "../x" must not escape the folder
            if (isFile(candidate)) return candidate.string();
            for (const char* ext : {".safetensors", ".pt", ".bin"}) {
                fs::path withExt = candidate;
                withExt += ext;
                if (isFile(withExt)) return withExt.string();
            }
        }
    }
    return std::nullopt;
}

at::Tensor EmbeddingFolders::load(const std::string& name, const std::string& path, int64_t width,
                                  const std::string& key) const {
    const std::string cacheKey = path + "|" + key;
    at::Tensor stored;
    {
        std::lock_guard lock(mutex_);
        if (auto it = cache_.find(cacheKey); it != cache_.end()) stored = it->second;
    }
    if (!stored.defined()) {
        std::shared_ptr<TensorFile> file;
        try {
            file = openTensorFile(path);
        } catch (const Error& e) {
            throw Error("embedding '" + name + "': " + e.what());
        }
        std::string chosen;
        std::string names;
        for (const TensorEntry& e : file->entries()) {
            names += (names.empty() ? "" : ", ") + e.name;
            if (chosen.empty() && e.name.rfind("string_to_param.", 0) == 0) chosen = e.name;
        }
        if (file->contains("emb_params")) chosen = "emb_params";
        else if (chosen.empty() && file->contains(key)) chosen = key;
        else if (chosen.empty() && file->entries().size() == 1) chosen = file->entries().front().name;
        if (chosen.empty())
            throw Error("embedding '" + name + "' (" + path + ") has no vectors Tessera recognises: expected a tensor "
                        "'emb_params', 'string_to_param.*' or '" + key + "', found: " + (names.empty() ? "nothing" : names));
        stored = file->tensor(chosen, at::kFloat).clone();
        file->checkUnchanged();
        std::lock_guard lock(mutex_);
        cache_[cacheKey] = stored;
    }
    if (stored.dim() == 0 || stored.dim() > 3 || stored.size(-1) != width)
        throw Error("embedding '" + name + "' (" + path + ") has vectors of shape " + c10::str(stored.sizes()) +
                    ", but this text encoder needs vectors of width " + std::to_string(width) +
                    ": the embedding was made for another model family (SD1 uses 768, SD2 1024)");
    return stored.reshape({-1, width});
}

std::optional<at::Tensor> EmbeddingFolders::find(const std::string& name, int64_t width, const std::string& key) const {
    const std::optional<std::string> path = locate(name);
    if (!path) return std::nullopt;
    return load(name, *path, width, key);
}

}  // namespace tessera::engine
