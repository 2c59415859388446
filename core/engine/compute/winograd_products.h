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
// How far apart rows of `floats` values lie where Winograd reads or writes many of them together: at least
// `floats`, and an odd number of 64-byte lines, so the rows fall in different sets of the L1 cache
// (tiles::rowStrideAcrossCacheSets). For v's and m's rows (one 16-column panel reads them all) and for the
// 36 rows of transformed kernels (U's first stride: the kernel transform writes all 36 at once).
int64_t winogradRowStride(int64_t floats);

// Whether the register tiles beat OpenBLAS's products on this CPU (tiles::tilesPayOnThisCpu); elsewhere
// winograd_conv.cpp keeps BLAS.
bool winogradProductsPayOnThisCpu();


// One product's block: m[o * ldm + t] = sum over c < depth of u[o * ldu + c] v[c * ldv + t], for o < rows
// and t in [t0, t1) (multiples of kWinogradTileAlign, or t1 the row length ldv); added to m where
// `accumulate`, else written.
void winogradProductBlock(const float* u, int64_t ldu, const float* v, int64_t ldv, float* m, int64_t ldm, int64_t rows,
                          int64_t depth, int64_t t0, int64_t t1, bool accumulate);

}  // namespace tessera::engine::kernels
