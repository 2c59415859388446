#include "core/exec/file_hash_cache.h"

#include "core/common/error.h"
#include "core/exec/hasher.h"

namespace fs = std::filesystem;

namespace tessera {

uint64_t FileHashCache::hash(const std::string& path) {
    std::error_code ec;
    const uintmax_t size = fs::file_size(path, ec);
    const auto mtime = ec ? fs::file_time_type{} : fs::last_write_time(path, ec);
    if (ec) throw Error("cannot read '" + path + "': " + ec.message());
    {
        std::lock_guard lock(mutex_);
        auto it = entries_.find(path);
        if (it != entries_.end() && it->second.size == size && it->second.mtime == mtime) return it->second.hash;
    }
    const uint64_t h = hashFileContent(path);  // outside the lock: may take seconds
    std::lock_guard lock(mutex_);
    entries_[path] = {size, mtime, h};
    return h;
}

void FileHashCache::clear() {
    std::lock_guard lock(mutex_);
    entries_.clear();
}

}  // namespace tessera
