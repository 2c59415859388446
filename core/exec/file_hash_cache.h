#pragma once
// Content hashes of model and image files, remembered by path, size and modification time so
// a multi-gigabyte checkpoint is read once per session, and again only when it changes.
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>

namespace tessera {

class FileHashCache {
public:
    // Throws tessera::Error when the file is missing or unreadable.
    uint64_t hash(const std::string& path);
    void clear();

private:
    struct Entry {
        uintmax_t size = 0;
        std::filesystem::file_time_type mtime;
        uint64_t hash = 0;
    };
    std::mutex mutex_;
    std::map<std::string, Entry> entries_;
};

}  // namespace tessera
