#include "nodes/image_header.h"

#include "core/exec/memory_budget.h"

#include <cstring>

namespace tessera::nodes {
namespace {

class Bytes {
public:
    Bytes(const uint8_t* data, size_t size) : d_(data), n_(size) {}
    bool has(size_t at, size_t count) const { return at <= n_ && count <= n_ - at; }
    bool startsWith(size_t at, const char* text) const {
        const size_t len = std::strlen(text);
        return has(at, len) && std::memcmp(d_ + at, text, len) == 0;
    }
    uint8_t u8(size_t at) const { return d_[at]; }
    uint32_t be16(size_t at) const { return uint32_t(d_[at]) << 8 | d_[at + 1]; }
    uint32_t be32(size_t at) const { return be16(at) << 16 | be16(at + 2); }
    uint32_t le16(size_t at) const { return uint32_t(d_[at + 1]) << 8 | d_[at]; }
    uint32_t le24(size_t at) const { return le16(at) | uint32_t(d_[at + 2]) << 16; }
    uint32_t le32(size_t at) const { return le16(at) | le16(at + 2) << 16; }

private:
    const uint8_t* d_;
    size_t n_;
};

// Each format's signature, as the header readers below and the decoder's gate share it.
bool pngSignature(const Bytes& b) { return b.startsWith(0, "\x89PNG\r\n\x1a\n"); }
bool jpegSignature(const Bytes& b) { return b.has(0, 3) && b.u8(0) == 0xFF && b.u8(1) == 0xD8 && b.u8(2) == 0xFF; }
bool riffWebpSignature(const Bytes& b) { return b.startsWith(0, "RIFF") && b.startsWith(8, "WEBP"); }
bool bmpSignature(const Bytes& b) { return b.startsWith(0, "BM"); }

std::optional<ImageDimensions> png(const Bytes& b) {
    if (!b.has(0, 24) || !b.startsWith(12, "IHDR")) return std::nullopt;
    return ImageDimensions{b.be32(16), b.be32(20)};
}

bool isStartOfFrame(uint8_t marker) {
    return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

std::optional<ImageDimensions> jpeg(const Bytes& b) {
    size_t at = 2;
    while (b.has(at, 4)) {
        if (b.u8(at) != 0xFF) return std::nullopt;
        const uint8_t marker = b.u8(at + 1);
        if (marker == 0xFF) {  // fill byte
            ++at;
            continue;
        }
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {  // markers without a length
            at += 2;
            continue;
        }
        const uint32_t length = b.be16(at + 2);
        if (length < 2) return std::nullopt;
        if (isStartOfFrame(marker)) {
            if (!b.has(at + 4, 5)) return std::nullopt;
            return ImageDimensions{b.be16(at + 7), b.be16(at + 5)};
        }
        at += 2 + length;
    }
    return std::nullopt;
}

std::optional<ImageDimensions> webp(const Bytes& b) {
    if (!b.has(12, 8)) return std::nullopt;
    if (b.startsWith(12, "VP8X") && b.has(24, 6)) return ImageDimensions{b.le24(24) + 1, b.le24(27) + 1};
    if (b.startsWith(12, "VP8L") && b.has(20, 5) && b.u8(20) == 0x2F) {
        const uint32_t bits = b.le32(21);
        return ImageDimensions{(bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1};
    }
    if (b.startsWith(12, "VP8 ") && b.has(20, 10) && b.u8(23) == 0x9D && b.u8(24) == 0x01 && b.u8(25) == 0x2A)
        return ImageDimensions{b.le16(26) & 0x3FFF, b.le16(28) & 0x3FFF};
    return std::nullopt;
}

std::optional<ImageDimensions> bmp(const Bytes& b) {
    if (!b.has(14, 4)) return std::nullopt;
    const uint32_t headerSize = b.le32(14);
    if (headerSize == 12 && b.has(18, 4)) return ImageDimensions{b.le16(18), b.le16(20)};
    if (headerSize < 40 || !b.has(18, 8)) return std::nullopt;
    const auto width = int32_t(b.le32(18)), height = int32_t(b.le32(22));  // negative height: top-down rows
    return ImageDimensions{uint64_t(width < 0 ? -int64_t(width) : width), uint64_t(height < 0 ? -int64_t(height) : height)};
}

// The first image file directory's ImageWidth (256) and ImageLength (257).
std::optional<ImageDimensions> tiff(const Bytes& b) {
    const bool little = b.startsWith(0, "II");
    auto u16 = [&](size_t at) { return little ? b.le16(at) : b.be16(at); };
    auto u32 = [&](size_t at) { return little ? b.le32(at) : b.be32(at); };
    if (!b.has(0, 8)) return std::nullopt;
    const size_t ifd = u32(4);
    if (!b.has(ifd, 2)) return std::nullopt;
    const uint32_t count = u16(ifd);
    ImageDimensions d;
    for (uint32_t i = 0; i < count; ++i) {
        const size_t entry = ifd + 2 + size_t(i) * 12;
        if (!b.has(entry, 12)) return std::nullopt;
        const uint32_t tag = u16(entry), type = u16(entry + 2);
        const uint64_t value = type == 3 ? u16(entry + 8) : type == 4 ? u32(entry + 8) : 0;
        if (tag == 256) d.width = value;
        if (tag == 257) d.height = value;
    }
    if (d.width == 0 || d.height == 0) return std::nullopt;
    return d;
}

}  // namespace

std::optional<ImageDimensions> readImageDimensions(const uint8_t* data, size_t size) {
    const Bytes b(data, size);
    if (pngSignature(b)) return png(b);
    if (jpegSignature(b)) return jpeg(b);
    if (riffWebpSignature(b)) return webp(b);
    if (bmpSignature(b)) return bmp(b);
    if (b.startsWith(0, "II*") || b.startsWith(0, "MM")) return b.has(2, 2) && (b.u8(2) == 42 || b.u8(3) == 42) ? tiff(b) : std::nullopt;
    return std::nullopt;
}

bool hasLoadableImageSignature(const uint8_t* data, size_t size) {
    const Bytes b(data, size);
    const bool webp = riffWebpSignature(b) && (b.startsWith(12, "VP8 ") || b.startsWith(12, "VP8L") || b.startsWith(12, "VP8X"));
    const bool tiff = b.startsWith(0, "II*") && b.has(3, 1) && b.u8(3) == 0;
    const bool tiffBigEndian = b.startsWith(0, "MM") && b.has(2, 2) && b.u8(2) == 0 && b.u8(3) == 42;
    return pngSignature(b) || jpegSignature(b) || webp || bmpSignature(b) || tiff || tiffBigEndian;
}

uint64_t imageDecodeBytes(uint64_t pixels) {
    // The decoder's samples (up to 4 channels x 16 bits), float32 copies of them, the RGB and alpha tensors.
    return mulBytes(pixels, 8 + 16 + 16 + 12 + 4);
}

}  // namespace tessera::nodes
