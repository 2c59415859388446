#pragma once
// The directory of a zip archive as torch.save writes it (entries stored uncompressed, zip64
// when large), read from a mapped file so each entry's bytes can be used in place. Torch-free.
#include <cstdint>
#include <string>
#include <vector>

namespace tessera::engine::pickle {

struct ZipEntry {
    std::string name;
    uint64_t offset = 0;  // of the entry's data in the file
    uint64_t size = 0;
};

// Every entry, with its data range checked to lie inside the file. Compressed entries are
// refused (torch.save never compresses). Throws tessera::Error naming `what`.
std::vector<ZipEntry> readZipDirectory(const uint8_t* data, uint64_t size, const std::string& what);

}  // namespace tessera::engine::pickle
