#include "core/engine/compute/winograd_products.h"

#include "core/engine/compute/kernel_clones.h"
#include "core/engine/compute/register_tiles.h"

// Compiled like attention_kernels.cpp (-O3, cloned per CPU level; register tiles in GCC vector types).

namespace tessera::engine::kernels {

static_assert(kWinogradTileAlign == tiles::kColumns, "a row of tiles is a whole number of register tiles");

int64_t winogradRowLength(int64_t tiles) {
    return (tiles + kWinogradTileAlign - 1) / kWinogradTileAlign * kWinogradTileAlign;
}

int64_t winogradRowStride(int64_t floats) { return tiles::rowStrideAcrossCacheSets(floats); }

bool winogradProductsPayOnThisCpu() { return tiles::tilesPayOnThisCpu(); }

// Each 16-tile panel of v (cin x 16 floats) is read by every row tile of the block while it is in the
// L1 or L2 cache; the block's rows of u stay in L2.
TESSERA_CLONES void winogradProductBlock(const float* u, int64_t ldu, const float* v, int64_t ldv, float* m, int64_t ldm,
                                         int64_t rows, int64_t depth, int64_t t0, int64_t t1, bool accumulate) {
    for (int64_t t = t0; t < t1; t += tiles::kColumns)
        tiles::forRowTiles(rows, [&]<int R>(int64_t o) {
            tiles::productTile<R>(u + o * ldu, ldu, v + t, ldv, depth, m + o * ldm + t, ldm, accumulate);
        });
}

}  // namespace tessera::engine::kernels
