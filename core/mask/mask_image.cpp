#include "core/mask/mask_image.h"

#include "core/common/error.h"

#include <algorithm>
#include <string>

namespace tessera::mask {

PixelRect PixelRect::united(const PixelRect& o) const {
    if (empty()) return o;
    if (o.empty()) return *this;
    const int l = std::min(x, o.x), t = std::min(y, o.y);
    return {l, t, std::max(right(), o.right()) - l, std::max(bottom(), o.bottom()) - t};
}

PixelRect PixelRect::intersected(const PixelRect& o) const {
    const int l = std::max(x, o.x), t = std::max(y, o.y);
    const int r = std::min(right(), o.right()), b = std::min(bottom(), o.bottom());
    if (r <= l || b <= t) return {};
    return {l, t, r - l, b - t};
}

MaskImage::MaskImage(int width, int height, uint8_t fill) : width_(width), height_(height) {
    constexpr int kMaxSide = 16384;
    if (width < 1 || height < 1 || width > kMaxSide || height > kMaxSide)
        throw Error("a mask of " + std::to_string(width) + "x" + std::to_string(height) +
                    " pixels is not possible; each side must be 1.." + std::to_string(kMaxSide));
    data_.assign(size_t(width) * size_t(height), fill);
}

PixelRect MaskImage::paintedBounds() const {
    int minX = width_, minY = height_, maxX = -1, maxY = -1;
    for (int y = 0; y < height_; ++y) {
        const uint8_t* r = row(y);
        for (int x = 0; x < width_; ++x) {
            if (r[x] == 0) continue;
            minX = std::min(minX, x), maxX = std::max(maxX, x);
            minY = std::min(minY, y), maxY = std::max(maxY, y);
        }
    }
    if (maxX < 0) return {};
    return {minX, minY, maxX - minX + 1, maxY - minY + 1};
}

}  // namespace tessera::mask
