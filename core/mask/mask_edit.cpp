#include "core/mask/mask_edit.h"

#include "core/common/error.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace tessera::mask {

int tileColumns(const MaskImage& mask) { return (mask.width() + kTileSize - 1) / kTileSize; }
int tileRows(const MaskImage& mask) { return (mask.height() + kTileSize - 1) / kTileSize; }

PixelRect tileRect(const MaskImage& mask, int index) {
    const int columns = tileColumns(mask);
    const PixelRect full{(index % columns) * kTileSize, (index / columns) * kTileSize, kTileSize, kTileSize};
    return full.intersected(mask.bounds());
}

std::vector<uint8_t> readTile(const MaskImage& mask, int index) {
    const PixelRect r = tileRect(mask, index);
    std::vector<uint8_t> out(size_t(r.width) * size_t(r.height));
    for (int y = 0; y < r.height; ++y)
        std::memcpy(out.data() + size_t(y) * size_t(r.width), mask.row(r.y + y) + r.x, size_t(r.width));
    return out;
}

void writeTile(MaskImage& mask, int index, const std::vector<uint8_t>& pixels) {
    const PixelRect r = tileRect(mask, index);
    for (int y = 0; y < r.height; ++y)
        std::memcpy(mask.row(r.y + y) + r.x, pixels.data() + size_t(y) * size_t(r.width), size_t(r.width));
}

size_t MaskEdit::byteSize() const {
    size_t bytes = sizeof(MaskEdit);
    for (const auto& t : tiles) bytes += sizeof(TileChange) + t.before.size() + t.after.size();
    return bytes;
}

PixelRect applyEdit(MaskImage& mask, const MaskEdit& edit, bool redo) {
    if (mask.width() != edit.width || mask.height() != edit.height)
        throw Error("this mask edit was made on a " + std::to_string(edit.width) + "x" + std::to_string(edit.height) +
                    " mask and cannot be applied to a " + std::to_string(mask.width()) + "x" +
                    std::to_string(mask.height()) + " one");
    PixelRect changed;
    for (const auto& t : edit.tiles) {
        writeTile(mask, t.index, redo ? t.after : t.before);
        changed = changed.united(tileRect(mask, t.index));
    }
    return changed;
}

MaskEdit editEveryTile(MaskImage& mask, const std::function<void(std::vector<uint8_t>&, const PixelRect&)>& change) {
    MaskEdit edit{mask.width(), mask.height(), {}, {}};
    const int count = tileColumns(mask) * tileRows(mask);
    for (int i = 0; i < count; ++i) {
        TileChange t{i, readTile(mask, i), {}};
        t.after = t.before;
        change(t.after, tileRect(mask, i));
        if (t.after == t.before) continue;
        writeTile(mask, i, t.after);
        edit.rect = edit.rect.united(tileRect(mask, i));
        edit.tiles.push_back(std::move(t));
    }
    return edit;
}

}  // namespace tessera::mask
