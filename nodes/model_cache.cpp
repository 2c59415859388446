#include "nodes/model_cache.h"

#include "core/engine/controlnet.h"
#include "core/engine/taesd.h"
#include "core/engine/vae.h"

#include <ATen/ATen.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <tuple>

namespace tessera::nodes {
namespace {

namespace fs = std::filesystem;

// What makes two loads "the same file": an edited or replaced file loads again.
struct FileKey {
    std::string path;
    uintmax_t size = 0;
    int64_t mtime = 0;
    bool operator<(const FileKey& o) const { return std::tie(path, size, mtime) < std::tie(o.path, o.size, o.mtime); }
};

FileKey keyOf(const std::string& path) {
    FileKey key;
    std::error_code ec;
    const fs::path canonical = fs::weakly_canonical(path, ec);
    key.path = ec ? path : canonical.string();
    key.size = fs::file_size(key.path, ec);
    if (ec) key.size = 0;
    const auto t = fs::last_write_time(key.path, ec);
    key.mtime = ec ? 0 : static_cast<int64_t>(t.time_since_epoch().count());
    return key;
}

std::atomic<int> loads{0};
// One lock for every load: loading the same file twice at once would defeat the cache, and
// loads are rare and long anyway.
std::mutex loadMutex;

template <class T>
std::shared_ptr<const T> shared(std::map<FileKey, std::weak_ptr<const T>>& entries, const std::string& path,
                                const std::function<std::shared_ptr<const T>()>& load) {
    std::lock_guard lock(loadMutex);
    const FileKey key = keyOf(path);
    if (auto it = entries.find(key); it != entries.end()) {
        if (auto alive = it->second.lock()) return alive;
    }
    for (auto it = entries.begin(); it != entries.end();) it = it->second.expired() ? entries.erase(it) : std::next(it);
    auto loaded = load();
    ++loads;
    entries[key] = loaded;
    return loaded;
}

}  // namespace

engine::LoadedCheckpoint sharedCheckpoint(const std::string& path, const engine::LoadOptions& options) {
    static std::map<FileKey, std::weak_ptr<const engine::LoadedCheckpoint>> entries;
    auto whole = shared<engine::LoadedCheckpoint>(entries, path, [&] {
        return std::make_shared<const engine::LoadedCheckpoint>(engine::loadCheckpoint(path, options));
    });
    // Aliasing pointers: each part keeps the whole entry alive.
    engine::LoadedCheckpoint out;
    out.model = std::shared_ptr<const engine::DiffusionModel>(whole, whole->model.get());
    out.text = std::shared_ptr<const engine::TextEncoder>(whole, whole->text.get());
    if (whole->vae) out.vae = std::shared_ptr<const engine::Vae>(whole, whole->vae.get());
    out.layout = whole->layout;
    return out;
}

std::shared_ptr<const engine::Vae> sharedVae(const std::string& path) {
    static std::map<FileKey, std::weak_ptr<const engine::Vae>> entries;
    return shared<engine::Vae>(entries, path, [&] { return engine::loadVaeFile(path); });
}

std::shared_ptr<const engine::ControlNet> sharedControlNet(const std::string& path) {
    static std::map<FileKey, std::weak_ptr<const engine::ControlNet>> entries;
    return shared<engine::ControlNet>(entries, path, [&] { return engine::loadControlNetFile(path); });
}

std::shared_ptr<const engine::TaesdDecoder> sharedTaesd(const std::string& path) {
    static std::map<FileKey, std::weak_ptr<const engine::TaesdDecoder>> entries;
    return shared<engine::TaesdDecoder>(entries, path, [&] { return engine::loadTaesdDecoderFile(path); });
}

int modelFileLoads() { return loads.load(); }

}  // namespace tessera::nodes
