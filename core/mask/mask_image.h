#pragma once
// The painted inpainting mask: one 8-bit coverage value per IMAGE pixel (0 = keep, 255 = repaint),
// row-major. Qt-free and torch-free so the editor, the nodes and the tests share it.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tessera::mask {

// A pixel rectangle [x, x+width) x [y, y+height); empty when width or height is 0.
struct PixelRect {
    int x = 0, y = 0, width = 0, height = 0;

    bool empty() const { return width <= 0 || height <= 0; }
    int right() const { return x + width; }    // exclusive
    int bottom() const { return y + height; }  // exclusive
    bool contains(int px, int py) const { return px >= x && px < right() && py >= y && py < bottom(); }
    PixelRect united(const PixelRect& o) const;
    PixelRect intersected(const PixelRect& o) const;
    bool operator==(const PixelRect&) const = default;
};

class MaskImage {
public:
    MaskImage() = default;
    // Throws tessera::Error for a size outside 1..16384.
    MaskImage(int width, int height, uint8_t fill = 0);

    int width() const { return width_; }
    int height() const { return height_; }
    PixelRect bounds() const { return {0, 0, width_, height_}; }

    uint8_t at(int x, int y) const { return data_[size_t(y) * size_t(width_) + size_t(x)]; }
    uint8_t& at(int x, int y) { return data_[size_t(y) * size_t(width_) + size_t(x)]; }
    float coverage(int x, int y) const { return float(at(x, y)) / 255.0f; }
    uint8_t* row(int y) { return data_.data() + size_t(y) * size_t(width_); }
    const uint8_t* row(int y) const { return data_.data() + size_t(y) * size_t(width_); }
    const std::vector<uint8_t>& bytes() const { return data_; }

    // The smallest rectangle holding every non-zero pixel (empty for an empty mask).
    PixelRect paintedBounds() const;
    bool operator==(const MaskImage&) const = default;

private:
    int width_ = 0, height_ = 0;
    std::vector<uint8_t> data_;
};

// Coverage 0..1 -> stored byte, rounded to nearest.
inline uint8_t coverageByte(float c) {
    return c <= 0.0f ? uint8_t(0) : c >= 1.0f ? uint8_t(255) : uint8_t(c * 255.0f + 0.5f);
}

}  // namespace tessera::mask
