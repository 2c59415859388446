#pragma once
// The 36 matrix products of Winograd's F(4x4, 3x3) (winograd_conv.cpp) by register tiles
// (register_tiles.h) instead of BLAS calls: for a band of tiles, m[k][o][t] = sum over c of
// u[k][o][c] v[k][c][t]. Neither operand is packed (the input transform writes v in the layout the tiles
// read) and m is written once, not zeroed first and added to. No libtorch here.
#include <cstdint>

namespace tessera::engine::kernels {

// v's and m's rows hold this multiple of tiles (the columns past the band's tiles are computed from
// zeros and never read).
constexpr int64_t kWinogradTileAlign = 16;
int64_t winogradRowLength(int64_t tiles);
// How far apart those rows lie: at least `width`, and rows of one 16-column panel in different L1 sets
// (tiles::rowStrideAcrossCacheSets).
int64_t winogradRowStride(int64_t width);

// Whether the register tiles beat OpenBLAS's products on this CPU (tiles::tilesPayOnThisCpu); elsewhere
// winograd_conv.cpp keeps BLAS.
bool winogradProductsPayOnThisCpu();

// How far apart the 36 rows of transformed kernels lie (U's first stride), for `floats` of them a row: the
// kernel transform writes all 36 at once (tiles::rowStrideAcrossCacheSets).
int64_t winogradKernelRowStride(int64_t floats);

// One product's block: m[o * ldm + t] = sum over c < depth of u[o * ldu + c] v[c * ldv + t], for o < rows
// and t in [t0, t1) (multiples of kWinogradTileAlign, or t1 the row length ldv); added to m where
// `accumulate`, else written.
void winogradProductBlock(const float* u, int64_t ldu, const float* v, int64_t ldv, float* m, int64_t ldm, int64_t rows,
                          int64_t depth, int64_t t0, int64_t t1, bool accumulate);

}  // namespace tessera::engine::kernels
