#include "core/mask/mask_fill.h"

#include <algorithm>

namespace tessera::mask {

MaskEdit fillMask(MaskImage& mask, float coverage) {
    const uint8_t value = coverageByte(coverage);
    return editEveryTile(mask, [value](std::vector<uint8_t>& px, const PixelRect&) {
        std::fill(px.begin(), px.end(), value);
    });
}

MaskEdit clearMask(MaskImage& mask) { return fillMask(mask, 0.0f); }

MaskEdit invertMask(MaskImage& mask) {
    return editEveryTile(mask, [](std::vector<uint8_t>& px, const PixelRect&) {
        for (auto& v : px) v = uint8_t(255 - v);
    });
}

}  // namespace tessera::mask
