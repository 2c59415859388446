#pragma once
// One undoable change of a MaskImage, stored as the 64x64 tiles it changed, each before and after.
// A stroke across a 2048x2048 mask keeps a few tiles, not the whole mask.
#include "core/mask/mask_image.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace tessera::mask {

constexpr int kTileSize = 64;

int tileColumns(const MaskImage& mask);
int tileRows(const MaskImage& mask);
// The pixels of tile `index` (row-major over the tile grid), clipped to the mask.
PixelRect tileRect(const MaskImage& mask, int index);
// The tile's pixels row by row (tileRect's width x height bytes).
std::vector<uint8_t> readTile(const MaskImage& mask, int index);
void writeTile(MaskImage& mask, int index, const std::vector<uint8_t>& pixels);

struct TileChange {
    int index = 0;
    std::vector<uint8_t> before, after;
};

struct MaskEdit {
    int width = 0, height = 0;  // of the mask it applies to
    std::vector<TileChange> tiles;
    PixelRect rect;             // union of the changed tiles

    bool empty() const { return tiles.empty(); }
    size_t byteSize() const;
};

// Writes the edit's `after` (redo) or `before` (undo) tiles; returns the rectangle changed.
// Throws tessera::Error when the mask's size is not the edit's.
PixelRect applyEdit(MaskImage& mask, const MaskEdit& edit, bool redo);

// Runs `change` on every tile's pixels in place (pixels, tile rect) and records the tiles it changed.
MaskEdit editEveryTile(MaskImage& mask, const std::function<void(std::vector<uint8_t>&, const PixelRect&)>& change);

}  // namespace tessera::mask
