#pragma once
// A float32 matrix-product tile held in vector registers, for the kernels that multiply small blocks in
// place of a BLAS call (attention_kernels.cpp, winograd_products.cpp): no packing of either operand and no
// zeroing of the result before it is written. Written with GCC vector types (eight floats: one AVX
// register, two SSE ones in the default clone), so it is the same code in every CPU level's clone; include
// it only from files compiled like cpu_kernels.cpp (-O3, kernel_clones.h), where GCC contracts a * b + c
// into FMAs.
#include "core/engine/compute/kernel_clones.h"

#include <cstdint>

namespace tessera::engine::kernels::tiles {

typedef float Vec __attribute__((vector_size(32), aligned(4), may_alias));
constexpr int kLanes = 8;
// A tile: up to 6 rows x 16 columns, 12 accumulators of the 16 vector registers.
constexpr int kRows = 6;
constexpr int kColumns = 2 * kLanes;

// Where these eight-wide tiles were measured faster than OpenBLAS's and oneDNN's kernels: x86 CPUs with
// AVX2 and FMA but no AVX-512 (whose 16-wide products they would not match; not measured there).
inline bool tilesPayOnThisCpu() {
#if defined(__x86_64__) && defined(__GNUC__)
    static const bool pays = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                             !__builtin_cpu_supports("avx512f");
    return pays;
#else
    return false;
#endif
}

// A row stride of at least `floats`: a whole, odd number of 64-byte lines. Rows this far apart fall in
// different sets of the L1 cache (64 consecutive rows at least), where rows a multiple of 4 KiB apart would
// all share one set and alias in the load-store unit (the score rows of 4096 keys, Winograd's 36 transformed
// kernels of 1280 x 1280 channels: the kernel transform took twice as long).
inline int64_t rowStrideAcrossCacheSets(int64_t floats) {
    const int64_t lines = (floats + kColumns - 1) / kColumns;
    return (lines | 1) * kColumns;
}

TESSERA_INLINE Vec loadVec(const float* p) { return *reinterpret_cast<const Vec*>(p); }
TESSERA_INLINE void storeVec(float* p, Vec v) { *reinterpret_cast<Vec*>(p) = v; }

// Sums run in blocks of this many terms, each block's sum then added to the result: float32 rounding then
// grows like the square roots of the block length and the block count, not of the whole depth (1280
// channels: about 2.5x less than one running sum, and like BLAS's own blocking).
constexpr int64_t kDepthBlock = 128;

// c[r][0..16) = sum over i < depth of a[r * lda + i] * b[i * ldb + 0..16), for r < R; c is overwritten, or
// added to where `accumulate`.
template <int R>
TESSERA_INLINE void productTile(const float* a, int64_t lda, const float* b, int64_t ldb, int64_t depth, float* c,
                                int64_t ldc, bool accumulate = false) {
    for (int64_t i0 = 0; i0 < depth || i0 == 0; i0 += kDepthBlock) {
        const int64_t i1 = depth < i0 + kDepthBlock ? depth : i0 + kDepthBlock;
        Vec lo[R], hi[R];
#pragma GCC unroll 6
        for (int r = 0; r < R; ++r) lo[r] = hi[r] = Vec{};
        for (int64_t i = i0; i < i1; ++i) {
            const Vec b0 = loadVec(b + i * ldb), b1 = loadVec(b + i * ldb + kLanes);
#pragma GCC unroll 6
            for (int r = 0; r < R; ++r) {
                const float w = a[r * lda + i];  // scalar * vector: a broadcast
                lo[r] += w * b0;
                hi[r] += w * b1;
            }
        }
#pragma GCC unroll 6
        for (int r = 0; r < R; ++r) {
            float* row = c + r * ldc;
            const bool overwrite = i0 == 0 && !accumulate;
            storeVec(row, overwrite ? lo[r] : loadVec(row) + lo[r]);
            storeVec(row + kLanes, overwrite ? hi[r] : loadVec(row + kLanes) + hi[r]);
        }
    }
}

// Calls tile.template operator()<R>(r) over `rows` rows: whole tiles of Full rows, then one tile of the
// rows left (R < Full).
template <int R, class Tile>
TESSERA_INLINE void lastRowTile(int64_t left, int64_t r, Tile& tile) {
    if constexpr (R > 0) {
        if (left == R) tile.template operator()<R>(r);
        else lastRowTile<R - 1>(left, r, tile);
    }
}

template <int Full = kRows, class Tile>
TESSERA_INLINE void forRowTiles(int64_t rows, Tile tile) {
    int64_t r = 0;
    for (; r + Full <= rows; r += Full) tile.template operator()<Full>(r);
    lastRowTile<Full - 1>(rows - r, r, tile);
}

}  // namespace tessera::engine::kernels::tiles
