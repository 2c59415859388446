#include "nodes/model_cache.h"

#include "core/engine/networks/clip_vision.h"
#include "core/engine/networks/controlnet.h"
#include "core/engine/networks/gligen.h"
#include "core/engine/networks/taesd.h"
#include "core/engine/networks/upscale_model.h"
#include "core/engine/networks/vae.h"

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
    std::string placement;
    bool operator<(const FileKey& o) const {
        return std::tie(path, size, mtime, placement) < std::tie(o.path, o.size, o.mtime, o.placement);
    }
};

FileKey keyOf(const std::string& path, const engine::Placement& placement) {
    FileKey key;
    key.placement = placement.describe();
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
                                const engine::Placement& placement, const std::function<std::shared_ptr<const T>()>& load) {
    std::lock_guard lock(loadMutex);
    const FileKey key = keyOf(path, placement);
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
    auto whole = shared<engine::LoadedCheckpoint>(entries, path, options.placement, [&] {
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

std::shared_ptr<const engine::Vae> sharedVae(const std::string& path, const engine::Placement& placement) {
    static std::map<FileKey, std::weak_ptr<const engine::Vae>> entries;
    return shared<engine::Vae>(entries, path, placement, [&] { return engine::loadVaeFile(path, placement); });
}

std::shared_ptr<const engine::ControlModel> sharedControlNet(const std::string& path, const engine::Placement& placement) {
    static std::map<FileKey, std::weak_ptr<const engine::ControlModel>> entries;
    return shared<engine::ControlModel>(entries, path, placement,
                                      [&] { return engine::loadControlNetFile(path, placement); });
}

engine::Placement placementFor(const Environment& env) { return engine::resolvePlacement(env.device, env.precision); }

std::shared_ptr<const engine::TaesdDecoder> sharedTaesd(const std::string& path) {
    static std::map<FileKey, std::weak_ptr<const engine::TaesdDecoder>> entries;
    return shared<engine::TaesdDecoder>(entries, path, engine::Placement{},
                                        [&] { return engine::loadTaesdDecoderFile(path); });
}

std::shared_ptr<const engine::UpscaleModel> sharedUpscaleModel(const std::string& path, const engine::Placement& placement) {
    static std::map<FileKey, std::weak_ptr<const engine::UpscaleModel>> entries;
    const engine::Placement float32{placement.device, at::kFloat};
    return shared<engine::UpscaleModel>(entries, path, float32,
                                        [&] { return engine::loadUpscaleModelFile(path, placement.device); });
}

std::shared_ptr<const engine::ClipVisionModel> sharedClipVision(const std::string& path) {
    static std::map<FileKey, std::weak_ptr<const engine::ClipVisionModel>> entries;
    return shared<engine::ClipVisionModel>(entries, path, engine::Placement{}, [&] { return engine::loadClipVisionFile(path); });
}

std::shared_ptr<const engine::GligenModel> sharedGligen(const std::string& path, const engine::Placement& placement) {
    static std::map<FileKey, std::weak_ptr<const engine::GligenModel>> entries;
    const engine::Placement float32{placement.device, at::kFloat};
    return shared<engine::GligenModel>(entries, path, float32, [&] { return engine::loadGligenFile(path, placement.device); });
}

int modelFileLoads() { return loads.load(); }

}  // namespace tessera::nodes
