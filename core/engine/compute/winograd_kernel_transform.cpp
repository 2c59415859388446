#include "core/engine/compute/winograd_kernels.h"

#include "core/engine/compute/kernel_clones.h"
#include "core/engine/compute/register_tiles.h"

// Compiled like winograd_products.cpp (-O3, cloned per CPU level; GCC vector types): the kernels are
// transposed in registers, which GCC does not do by itself for a loop over them (it gathers the values one
// by one), so this file is not in the vectorisation check.

namespace tessera::engine::kernels {

namespace {

// t = G g for a column g of a kernel (T: float, or a vector of 8 kernels' values); the rows of G are
//   1/4 0 0 | -1/6 -1/6 -1/6 | -1/6 1/6 -1/6 | 1/24 1/12 1/6 | 1/24 -1/12 1/6 | 0 0 1
template <class T>
TESSERA_INLINE void applyG(const T g[3], T t[6]) {
    constexpr float kSixth = 1.0f / 6, kTwentyFourth = 1.0f / 24;
    const T outer = g[0] + g[2], outer4 = g[0] + 4 * g[2];
    t[0] = 0.25f * g[0];
    t[1] = -kSixth * (outer + g[1]);
    t[2] = -kSixth * (outer - g[1]);
    t[3] = kTwentyFourth * (outer4 + 2 * g[1]);
    t[4] = kTwentyFourth * (outer4 - 2 * g[1]);
    t[5] = g[2];
}

// G g G^T of one kernel (or 8 side by side) from its 9 values, value k handed to store(k, value): G down
// each of the kernel's columns, then along each resulting row.
template <class T, class Store>
TESSERA_INLINE void transformKernel(const T g[9], Store store) {
    T columns[3][6];
#pragma GCC unroll 3
    for (int x = 0; x < 3; ++x) {
        const T column[3] = {g[x], g[3 + x], g[6 + x]};
        applyG(column, columns[x]);
    }
#pragma GCC unroll 6
    for (int i = 0; i < 6; ++i) {
        const T row[3] = {columns[0][i], columns[1][i], columns[2][i]};
        T values[6];
        applyG(row, values);
#pragma GCC unroll 6
        for (int j = 0; j < 6; ++j) store(6 * i + j, values[j]);
    }
}

typedef int Lanes __attribute__((vector_size(32)));

// An 8 x 8 block of floats transposed in registers (unpack, shuffle, then swap of 128-bit halves).
TESSERA_INLINE void transpose8x8(tiles::Vec r[8]) {
    tiles::Vec t[8], s[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = __builtin_shuffle(r[i], r[i + 1], Lanes{0, 8, 1, 9, 4, 12, 5, 13});
        t[i + 1] = __builtin_shuffle(r[i], r[i + 1], Lanes{2, 10, 3, 11, 6, 14, 7, 15});
    }
    for (int i = 0; i < 8; i += 4) {
        for (int h = 0; h < 2; ++h) {
            s[i + 2 * h] = __builtin_shuffle(t[i + h], t[i + h + 2], Lanes{0, 1, 8, 9, 4, 5, 12, 13});
            s[i + 2 * h + 1] = __builtin_shuffle(t[i + h], t[i + h + 2], Lanes{2, 3, 10, 11, 6, 7, 14, 15});
        }
    }
    for (int i = 0; i < 4; ++i) {
        r[i] = __builtin_shuffle(s[i], s[i + 4], Lanes{0, 1, 2, 3, 8, 9, 10, 11});
        r[i + 4] = __builtin_shuffle(s[i], s[i + 4], Lanes{4, 5, 6, 7, 12, 13, 14, 15});
    }
}

}  // namespace

// Eight kernels at a time: their first 8 values are an 8 x 8 block transposed in registers, so that
// each vector holds one value of the 8 kernels; the transform then runs across them.
TESSERA_CLONES void winogradKernelTransform(const float* g, int64_t n, float* u, int64_t kStride) {
    int64_t c = 0;
    for (; c + tiles::kLanes <= n; c += tiles::kLanes) {
        const float* first = g + c * 9;
        tiles::Vec values[9] = {};
        for (int i = 0; i < 8; ++i) values[i] = tiles::loadVec(first + 9 * i);
        transpose8x8(values);
        values[8] = tiles::Vec{first[8], first[17], first[26], first[35], first[44], first[53], first[62], first[71]};
        transformKernel(values, [&](int k, tiles::Vec value) { tiles::storeVec(u + k * kStride + c, value); });
    }
    for (; c < n; ++c) transformKernel(g + c * 9, [&](int k, float value) { u[k * kStride + c] = value; });
}

}  // namespace tessera::engine::kernels
