#include "core/engine/compute/winograd_kernels.h"

#include "core/engine/compute/kernel_clones.h"

// Compiled like cpu_kernels.cpp (core/CMakeLists.txt, kernel_clones.h): -O3, cloned per CPU level;
// every loop runs across the tiles of a row so that GCC vectorises it.
// The buffers a loop reads and writes never overlap: TESSERA_NO_OVERLAP (GCC's `ivdep`) says so, since
// proving it at run time would take GCC more than its limit of 10 checks per loop, and it would leave the
// loop scalar.
#if defined(__clang__)
#define TESSERA_NO_OVERLAP _Pragma("clang loop vectorize(assume_safety)")
#else
#define TESSERA_NO_OVERLAP _Pragma("GCC ivdep")
#endif

namespace tessera::engine::kernels {

namespace {

int64_t tilesOf(int64_t width) { return (width + 3) / 4; }

// o = B^T d; the rows of B^T are
//   4 0 -5 0 1 0 | 0 -4 -4 1 1 0 | 0 4 -4 -1 1 0 | 0 -2 -1 2 1 0 | 0 2 -1 -2 1 0 | 0 4 0 -5 0 1
TESSERA_INLINE void applyBt(const float d[6], float o[6]) {
    o[0] = 4 * d[0] - 5 * d[2] + d[4];
    o[1] = -4 * (d[1] + d[2]) + d[3] + d[4];
    o[2] = 4 * (d[1] - d[2]) - d[3] + d[4];
    o[3] = 2 * (d[3] - d[1]) - d[2] + d[4];
    o[4] = 2 * (d[1] - d[3]) - d[2] + d[4];
    o[5] = 4 * d[1] - 5 * d[3] + d[5];
}

}  // namespace

int64_t winogradInputScratch(int64_t width) { return 6 * (4 * tilesOf(width) + 2) + 4 * (tilesOf(width) + 1); }

int64_t winogradOutputScratch(int64_t width) { return 28 * tilesOf(width); }

// B^T d B: B^T applied first down the columns of the six input rows, then along each resulting row.
TESSERA_CLONES void winogradInputTileRow(const float* const rows[6], int64_t width, float* out, int64_t kStride,
                                         float* scratch) {
    const int64_t tiles = tilesOf(width), padded = 4 * tiles + 2;
    float* columns = scratch;             // [6][padded]: B^T down each column; index x + 1 holds column x
    float* phase = scratch + 6 * padded;  // [4][tiles + 1]: one row of `columns` split by index mod 4
    const float *r0 = rows[0], *r1 = rows[1], *r2 = rows[2], *r3 = rows[3], *r4 = rows[4], *r5 = rows[5];
    float *c0 = columns + 1, *c1 = c0 + padded, *c2 = c1 + padded, *c3 = c2 + padded, *c4 = c3 + padded,
          *c5 = c4 + padded;
TESSERA_NO_OVERLAP
    for (int64_t x = 0; x < width; ++x) {
        const float d[6] = {r0[x], r1[x], r2[x], r3[x], r4[x], r5[x]};
        float o[6];
        applyBt(d, o);
        c0[x] = o[0], c1[x] = o[1], c2[x] = o[2], c3[x] = o[3], c4[x] = o[4], c5[x] = o[5];
    }
    float *p0 = phase, *p1 = p0 + tiles + 1, *p2 = p1 + tiles + 1, *p3 = p2 + tiles + 1;
    for (int i = 0; i < 6; ++i) {
        float* column = columns + i * padded;
        column[0] = 0;
        for (int64_t x = width + 1; x < padded; ++x) column[x] = 0;
TESSERA_NO_OVERLAP
        for (int64_t u = 0; u < tiles; ++u) {
            p0[u] = column[4 * u];
            p1[u] = column[4 * u + 1];
            p2[u] = column[4 * u + 2];
            p3[u] = column[4 * u + 3];
        }
        p0[tiles] = column[4 * tiles];
        p1[tiles] = column[4 * tiles + 1];
        float *o0 = out + int64_t(6 * i) * kStride, *o1 = o0 + kStride, *o2 = o1 + kStride, *o3 = o2 + kStride,
              *o4 = o3 + kStride, *o5 = o4 + kStride;
TESSERA_NO_OVERLAP
        for (int64_t t = 0; t < tiles; ++t) {
            const float d[6] = {p0[t], p1[t], p2[t], p3[t], p0[t + 1], p1[t + 1]};
            float o[6];
            applyBt(d, o);
            o0[t] = o[0], o1[t] = o[1], o2[t] = o[2], o3[t] = o[3], o4[t] = o[4], o5[t] = o[5];
        }
    }
}

// A^T m for m = (m0 .. m5); the rows of A^T are 1 1 1 1 1 0 | 0 1 -1 2 -2 0 | 0 1 1 4 4 0 | 0 1 -1 8 -8 1,
// applied first along each of the six rows of products, then down the columns.
TESSERA_CLONES void winogradOutputTileRow(const float* m, int64_t kStride, int64_t width, float bias,
                                          float* const rows[4], int rowCount, float* scratch) {
    const int64_t tiles = tilesOf(width);
    float* across = scratch;             // [6][4][tiles]: A^T along each row of products
    float* tile = scratch + 24 * tiles;  // [4][tiles]: one output row's four columns of every tile
    for (int i = 0; i < 6; ++i) {
        const float *m0 = m + int64_t(6 * i) * kStride, *m1 = m0 + kStride, *m2 = m1 + kStride, *m3 = m2 + kStride,
                    *m4 = m3 + kStride, *m5 = m4 + kStride;
        float *a0 = across + 4 * i * tiles, *a1 = a0 + tiles, *a2 = a1 + tiles, *a3 = a2 + tiles;
TESSERA_NO_OVERLAP
        for (int64_t t = 0; t < tiles; ++t) {
            const float s12 = m1[t] + m2[t], d12 = m1[t] - m2[t], s34 = m3[t] + m4[t], d34 = m3[t] - m4[t];
            a0[t] = m0[t] + s12 + s34;
            a1[t] = d12 + 2 * d34;
            a2[t] = s12 + 4 * s34;
            a3[t] = d12 + 8 * d34 + m5[t];
        }
    }
    const int64_t whole = width / 4;
    for (int a = 0; a < rowCount; ++a) {
        for (int b = 0; b < 4; ++b) {
            const float *z0 = across + b * tiles, *z1 = z0 + 4 * tiles, *z2 = z1 + 4 * tiles, *z3 = z2 + 4 * tiles,
                        *z4 = z3 + 4 * tiles, *z5 = z4 + 4 * tiles;
            float* y = tile + b * tiles;
            switch (a) {
            case 0:
TESSERA_NO_OVERLAP
                for (int64_t t = 0; t < tiles; ++t) y[t] = z0[t] + z1[t] + z2[t] + z3[t] + z4[t] + bias;
                break;
            case 1:
TESSERA_NO_OVERLAP
                for (int64_t t = 0; t < tiles; ++t) y[t] = z1[t] - z2[t] + 2 * (z3[t] - z4[t]) + bias;
                break;
            case 2:
TESSERA_NO_OVERLAP
                for (int64_t t = 0; t < tiles; ++t) y[t] = z1[t] + z2[t] + 4 * (z3[t] + z4[t]) + bias;
                break;
            default:
TESSERA_NO_OVERLAP
                for (int64_t t = 0; t < tiles; ++t) y[t] = z1[t] - z2[t] + 8 * (z3[t] - z4[t]) + z5[t] + bias;
            }
        }
        float* row = rows[a];
        const float *y0 = tile, *y1 = y0 + tiles, *y2 = y1 + tiles, *y3 = y2 + tiles;
TESSERA_NO_OVERLAP
        for (int64_t t = 0; t < whole; ++t) {
            row[4 * t] = y0[t];
            row[4 * t + 1] = y1[t];
            row[4 * t + 2] = y2[t];
            row[4 * t + 3] = y3[t];
        }
        const int64_t rest = width - 4 * whole;  // columns of a last, partial tile
        if (rest > 0) row[4 * whole] = y0[whole];
        if (rest > 1) row[4 * whole + 1] = y1[whole];
        if (rest > 2) row[4 * whole + 2] = y2[whole];
    }
}

}  // namespace tessera::engine::kernels
