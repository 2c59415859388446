#include "core/engine/files/pickle/zip_archive.h"

#include "core/common/error.h"

#include <algorithm>

namespace tessera::engine::pickle {
namespace {

constexpr uint32_t kEndOfDirectory = 0x06054b50, kZip64End = 0x06064b50, kZip64Locator = 0x07064b50;
constexpr uint32_t kDirectoryEntry = 0x02014b50, kLocalHeader = 0x04034b50;
constexpr uint64_t kMaxEntries = 1u << 22;

class Reader {
public:
    Reader(const uint8_t* data, uint64_t size, const std::string& what) : data_(data), size_(size), what_(what) {}

    [[noreturn]] void fail(const std::string& problem) const {
        throw Error("'" + what_ + "': damaged PyTorch zip archive: " + problem);
    }
    uint64_t le(uint64_t at, int bytes) const {
        if (at > size_ || uint64_t(bytes) > size_ - at) fail("a record lies beyond the end of the file (file truncated?)");
        uint64_t v = 0;
        for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | data_[at + i];
        return v;
    }
    std::string text(uint64_t at, uint64_t n) const {
        if (at > size_ || n > size_ - at) fail("a name lies beyond the end of the file (file truncated?)");
        return std::string(reinterpret_cast<const char*>(data_ + at), n);
    }
    uint64_t size() const { return size_; }

private:
    const uint8_t* data_;
    uint64_t size_;
    const std::string& what_;
};

// Sizes and offset of a directory entry whose 32-bit fields are 0xFFFFFFFF come from its zip64 extra field.
void applyZip64Extra(const Reader& r, uint64_t extra, uint64_t extraLength, uint64_t& size, uint64_t& compressed,
                     uint64_t& localOffset) {
    uint64_t at = extra;
    while (at + 4 <= extra + extraLength) {
        const uint64_t id = r.le(at, 2), length = r.le(at + 2, 2);
        uint64_t field = at + 4;
        if (id == 0x0001) {
            for (uint64_t* v : {&size, &compressed, &localOffset}) {
                if (*v != 0xFFFFFFFFu) continue;
                if (field + 8 > at + 4 + length) r.fail("a zip64 extra field is too short");
                *v = r.le(field, 8);
                field += 8;
            }
            return;
        }
        at += 4 + length;
    }
}

}  // namespace

std::vector<ZipEntry> readZipDirectory(const uint8_t* data, uint64_t size, const std::string& what) {
    const Reader r(data, size, what);
    if (size < 22) r.fail("the file is too small (truncated?)");
    // The end-of-directory record is within the last 64 KiB + 22 bytes (its comment is at most 64 KiB).
    uint64_t end = size - 22;
    const uint64_t lowest = size > 65557 ? size - 65557 : 0;
    while (r.le(end, 4) != kEndOfDirectory) {
        if (end == lowest) r.fail("no end-of-directory record (file truncated?)");
        --end;
    }
    uint64_t count = r.le(end + 10, 2), directorySize = r.le(end + 12, 4), directory = r.le(end + 16, 4);
    if (count == 0xFFFF || directorySize == 0xFFFFFFFFu || directory == 0xFFFFFFFFu) {
        if (end < 20 || r.le(end - 20, 4) != kZip64Locator) r.fail("zip64 locator missing");
        const uint64_t record = r.le(end - 20 + 8, 8);
        if (r.le(record, 4) != kZip64End) r.fail("zip64 end-of-directory record missing");
        count = r.le(record + 32, 8);
        directorySize = r.le(record + 40, 8);
        directory = r.le(record + 48, 8);
    }
    if (count > kMaxEntries) r.fail("impossibly many entries");
    if (directory > size || directorySize > size - directory) r.fail("the directory lies beyond the end of the file");

    std::vector<ZipEntry> entries;
    uint64_t at = directory;
    for (uint64_t i = 0; i < count; ++i) {
        if (r.le(at, 4) != kDirectoryEntry) r.fail("directory entry " + std::to_string(i) + " is damaged");
        const uint64_t method = r.le(at + 10, 2), nameLength = r.le(at + 28, 2), extraLength = r.le(at + 30, 2),
                       commentLength = r.le(at + 32, 2);
        uint64_t compressed = r.le(at + 20, 4), uncompressed = r.le(at + 24, 4), local = r.le(at + 42, 4);
        ZipEntry e;
        e.name = r.text(at + 46, nameLength);
        applyZip64Extra(r, at + 46 + nameLength, extraLength, uncompressed, compressed, local);
        if (method != 0)
            r.fail("entry '" + e.name + "' is compressed; PyTorch stores entries uncompressed (was the file re-zipped?)");
        if (compressed != uncompressed) r.fail("entry '" + e.name + "' has two different sizes");
        if (r.le(local, 4) != kLocalHeader) r.fail("entry '" + e.name + "' has no local header");
        e.offset = local + 30 + r.le(local + 26, 2) + r.le(local + 28, 2);
        e.size = uncompressed;
        if (e.offset > size || e.size > size - e.offset)
            r.fail("entry '" + e.name + "' lies beyond the end of the file (file truncated?)");
        entries.push_back(std::move(e));
        at += 46 + nameLength + extraLength + commentLength;
    }
    return entries;
}

}  // namespace tessera::engine::pickle
