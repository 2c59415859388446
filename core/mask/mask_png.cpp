#include "core/mask/mask_png.h"

#include "core/common/error.h"

#include <zlib.h>

#include <cstdlib>
#include <cstring>

namespace tessera::mask {
namespace {

const uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

void put32(std::vector<uint8_t>& out, uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(uint8_t(v >> shift));
}

uint32_t get32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }

void chunk(std::vector<uint8_t>& out, const char* type, const std::vector<uint8_t>& data) {
    put32(out, uint32_t(data.size()));
    const size_t start = out.size();
    out.insert(out.end(), type, type + 4);
    out.insert(out.end(), data.begin(), data.end());
    put32(out, uint32_t(crc32(0L, out.data() + start, uInt(out.size() - start))));
}

uint8_t paeth(int a, int b, int c) {
    const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
    return uint8_t(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
}

}  // namespace

std::vector<uint8_t> encodeMaskPng(const MaskImage& mask) {
    const size_t stride = size_t(mask.width()) + 1;
    std::vector<uint8_t> raw(stride * size_t(mask.height()));
    for (int y = 0; y < mask.height(); ++y) {
        raw[size_t(y) * stride] = 0;  // filter "none": masks are mostly flat and deflate well as they are
        std::memcpy(&raw[size_t(y) * stride + 1], mask.row(y), size_t(mask.width()));
    }
    uLongf packedSize = compressBound(uLong(raw.size()));
    std::vector<uint8_t> packed(packedSize);
    if (compress2(packed.data(), &packedSize, raw.data(), uLong(raw.size()), 6) != Z_OK)
        throw Error("could not compress the painted mask");
    packed.resize(packedSize);

    std::vector<uint8_t> out(kSignature, kSignature + 8);
    std::vector<uint8_t> header;
    put32(header, uint32_t(mask.width()));
    put32(header, uint32_t(mask.height()));
    header.insert(header.end(), {8, 0, 0, 0, 0});  // 8-bit greyscale, deflate, adaptive filters, no interlace
    chunk(out, "IHDR", header);
    chunk(out, "IDAT", packed);
    chunk(out, "IEND", {});
    return out;
}

MaskImage decodeMaskPng(const std::vector<uint8_t>& png, const std::string& what) {
    const auto fail = [&](const std::string& why) -> MaskImage {
        throw Error("the mask '" + what + "' cannot be read: " + why +
                    "; save the mask as a greyscale PNG (white = repaint)");
    };
    if (png.size() < 8 || std::memcmp(png.data(), kSignature, 8) != 0) return fail("it is not a PNG file");
    int width = 0, height = 0, depth = 0;
    std::vector<uint8_t> idat;
    for (size_t at = 8; at + 12 <= png.size();) {
        const uint32_t length = get32(&png[at]);
        if (length > png.size() - at - 12) return fail("the file is truncated");
        const std::string type(reinterpret_cast<const char*>(&png[at + 4]), 4);
        const uint8_t* data = &png[at + 8];
        if (type == "IHDR" && length >= 13) {
            width = int(get32(data)), height = int(get32(data + 4)), depth = data[8];
            if (data[9] != 0) return fail("it has colour channels, not one grey channel");
            if (depth != 8 && depth != 16) return fail("only 8- and 16-bit samples are supported");
            if (data[12] != 0) return fail("interlaced PNGs are not supported");
        } else if (type == "IDAT") {
            idat.insert(idat.end(), data, data + length);
        } else if (type == "IEND") {
            break;
        }
        at += 12 + length;
    }
    if (width <= 0 || height <= 0 || width > 16384 || height > 16384) return fail("the image size is missing or invalid");
    const size_t bpp = size_t(depth / 8), stride = size_t(width) * bpp;
    std::vector<uint8_t> raw((stride + 1) * size_t(height));
    uLongf rawSize = uLongf(raw.size());
    if (uncompress(raw.data(), &rawSize, idat.data(), uLong(idat.size())) != Z_OK || rawSize != raw.size())
        return fail("the pixel data is damaged");

    MaskImage mask(width, height);
    std::vector<uint8_t> previous(stride, 0), current(stride);
    for (int y = 0; y < height; ++y) {
        const uint8_t* line = &raw[size_t(y) * (stride + 1)];
        const uint8_t filter = line[0];
        for (size_t i = 0; i < stride; ++i) {
            const int a = i >= bpp ? current[i - bpp] : 0, b = previous[i], c = i >= bpp ? previous[i - bpp] : 0;
            int predicted = 0;
            switch (filter) {
                case 0: predicted = 0; break;
                case 1: predicted = a; break;
                case 2: predicted = b; break;
                case 3: predicted = (a + b) / 2; break;
                case 4: predicted = paeth(a, b, c); break;
                default: return fail("the pixel data is damaged (unknown filter)");
            }
            current[i] = uint8_t(line[1 + i] + predicted);
        }
        uint8_t* out = mask.row(y);
        for (int x = 0; x < width; ++x)
            out[x] = depth == 8 ? current[size_t(x)]
                                : uint8_t(((uint32_t(current[size_t(x) * 2]) << 8 | current[size_t(x) * 2 + 1]) * 255 + 32767) / 65535);
        std::swap(previous, current);
    }
    return mask;
}

}  // namespace tessera::mask
