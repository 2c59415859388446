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

// Whether the register tiles beat OpenBLAS's products on this CPU (tiles::tilesPayOnThisCpu); elsewhere
// winograd_conv.cpp keeps BLAS.
bool winogradProductsPayOnThisCpu();

// Product k, output channels [o0, o1), tiles [t0, t1) (t0, t1 multiples of kWinogradTileAlign, or t1 the
// row length). u: [36][cout][cin], v: [36][cin][ldt], m: [36][cout][ldt].
void winogradProductBlock(const float* u, const float* v, float* m, int64_t cout, int64_t cin, int64_t ldt, int64_t k,
                          int64_t o0, int64_t o1, int64_t t0, int64_t t1);

}  // namespace tessera::engine::kernels
