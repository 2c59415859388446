#include "core/exec/environment.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

namespace fs = std::filesystem;

namespace tessera {
namespace {

bool hasExtension(const fs::path& p, std::initializer_list<const char*> extensions) {
    std::string ext = p.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    for (const char* e : extensions)
        if (ext == e) return true;
    return false;
}

bool isModelFile(const fs::path& p) {
    return hasExtension(p, {".safetensors", ".sft", ".ckpt", ".pt", ".pth", ".bin", ".onnx", ".pt2"});
}

bool isImageFile(const fs::path& p) {
    return hasExtension(p, {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff"});
}

// Names come from graph files: they may use sub-folders but must stay inside the folder.
bool isSafeRelativeName(const std::string& name) {
    if (name.empty()) return false;
    const fs::path p(name);
    if (p.is_absolute() || p.has_root_name()) return false;
    for (const auto& part : p)
        if (part == "..") return false;
    return true;
}

bool isRegularFile(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec);
}

void collect(const fs::path& root, bool images, std::set<std::string>& out) {
    std::error_code ec;
    if (!fs::is_directory(root, ec)) return;
    const auto options = fs::directory_options::follow_directory_symlink | fs::directory_options::skip_permission_denied;
    for (fs::recursive_directory_iterator it(root, options, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code fileEc;
        if (!it->is_regular_file(fileEc)) continue;
        const fs::path& p = it->path();
        if (images ? !isImageFile(p) : !isModelFile(p)) continue;
        out.insert(p.lexically_relative(root).generic_string());
    }
}

}  // namespace

std::string Environment::findModel(const std::string& kind, const std::string& name) const {
    if (!isSafeRelativeName(name)) return {};
    if (kind == "input") {
        if (inputDir.empty()) return {};
        const fs::path p = fs::path(inputDir) / name;
        return isRegularFile(p) ? p.string() : std::string();
    }
    for (const auto& dir : modelDirs) {
        const fs::path p = fs::path(dir) / kind / name;
        if (isRegularFile(p)) return p.string();
    }
    return {};
}

std::vector<std::string> Environment::listModels(const std::string& kind) const {
    std::set<std::string> names;
    if (kind == "input") {
        if (!inputDir.empty()) collect(inputDir, true, names);
    } else {
        for (const auto& dir : modelDirs) collect(fs::path(dir) / kind, false, names);
    }
    return {names.begin(), names.end()};
}

}  // namespace tessera
