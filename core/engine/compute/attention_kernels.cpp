#include "core/engine/compute/attention_kernels.h"

#include "core/engine/compute/cpu_kernels.h"
#include "core/engine/compute/kernel_clones.h"
#include "core/engine/compute/register_tiles.h"

#include <algorithm>

// Compiled like cpu_kernels.cpp (-O3, cloned per CPU level). The tiles are written with GCC vector types
// (register_tiles.h), not left to the vectoriser, so CpuKernels.EveryLoopVectorisesOnEveryCpuLevel does
// not read this file.

namespace tessera::engine::kernels {

namespace {

static_assert(kAttentionKeyAlign == tiles::kColumns, "a panel of keys is one register tile wide");

using tiles::kLanes;
using tiles::loadVec;
using tiles::storeVec;
using tiles::Vec;

// Score tiles (tiles::productTile): 6 rows x 16 keys; keys in blocks that stay in the L1 cache while every
// row tile of the query block passes over them.
constexpr int64_t kScoreKeyBlock = 128;
// Value tiles: 4 rows x up to 3 vectors (24 values), 12 accumulators, the 3 vectors of a key's values
// loaded once for the 4 rows.
constexpr int kValueRows = 4;
constexpr int kValueVectors = 3;
constexpr int64_t kValueKeyBlock = 128;
// Measured faster than OpenBLAS up to heads of 256 values (1.14-1.6x for 40, 64, 80, 160, 256); a VAE's
// single 512-wide head ran at 0.93x, its score tiles' key panels (32 KiB) no longer in the L1 cache.
constexpr int64_t kMaxFusedWidth = 256;

int64_t scoreRowStride(int64_t keys) { return tiles::rowStrideAcrossCacheSets(paddedKeyCount(keys)); }

template <int R>
TESSERA_INLINE void scoreRows(const AttentionHead& h, int64_t r0, int64_t j0, int64_t j1, int64_t lds, float* s) {
    for (int64_t j = j0; j < j1; j += kAttentionKeyAlign)
        tiles::productTile<R>(h.q + r0 * h.qStride, h.qStride, h.kT + j * h.width, kAttentionKeyAlign, h.width,
                              s + r0 * lds + j, lds);
}

// out rows += P[rows, j0..j1) V[j0..j1, 8C values)
template <int R, int C>
TESSERA_INLINE void valueTile(const float* p, int64_t ldp, const float* v, int64_t vStride, int64_t j0, int64_t j1,
                              float* out, int64_t outStride) {
    Vec acc[R][C];
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 3
        for (int c = 0; c < C; ++c) acc[r][c] = loadVec(out + r * outStride + c * kLanes);
    for (int64_t j = j0; j < j1; ++j) {
        Vec b[C];
#pragma GCC unroll 3
        for (int c = 0; c < C; ++c) b[c] = loadVec(v + j * vStride + c * kLanes);
#pragma GCC unroll 4
        for (int r = 0; r < R; ++r) {
            const float w = p[r * ldp + j];
#pragma GCC unroll 3
            for (int c = 0; c < C; ++c) acc[r][c] += w * b[c];
        }
    }
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 3
        for (int c = 0; c < C; ++c) storeVec(out + r * outStride + c * kLanes, acc[r][c]);
}

template <int R>
TESSERA_INLINE void valueRows(const float* p, int64_t ldp, const AttentionHead& h, int64_t j0, int64_t j1, int64_t c0,
                              int vectors, float* out) {
    const float* v = h.v + c0;
    out += c0;
    switch (vectors) {
    case 1: valueTile<R, 1>(p, ldp, v, h.vStride, j0, j1, out, h.outStride); break;
    case 2: valueTile<R, 2>(p, ldp, v, h.vStride, j0, j1, out, h.outStride); break;
    default: valueTile<R, 3>(p, ldp, v, h.vStride, j0, j1, out, h.outStride); break;
    }
}

}  // namespace

int64_t paddedKeyCount(int64_t keys) { return (keys + kAttentionKeyAlign - 1) / kAttentionKeyAlign * kAttentionKeyAlign; }

bool fusedAttentionTakesHeadWidth(int64_t width) { return width > 0 && width <= kMaxFusedWidth; }

int64_t attentionValueWidth(int64_t width) { return (width + kLanes - 1) / kLanes * kLanes; }

bool fusedAttentionPaysOnThisCpu() { return tiles::tilesPayOnThisCpu(); }

int64_t attentionScratchFloats(int64_t rows, int64_t keys) { return rows * scoreRowStride(keys) + rows; }

void packKeysTransposed(const float* k, int64_t kStride, int64_t keys, int64_t width, float* kT) {
    const int64_t panels = paddedKeyCount(keys) / kAttentionKeyAlign;
    for (int64_t p = 0; p < panels; ++p) {
        float* panel = kT + p * width * kAttentionKeyAlign;
        for (int64_t j = 0; j < kAttentionKeyAlign; ++j) {
            const int64_t key = p * kAttentionKeyAlign + j;
            for (int64_t i = 0; i < width; ++i) panel[i * kAttentionKeyAlign + j] = key < keys ? k[key * kStride + i] : 0.0f;
        }
    }
}

TESSERA_CLONES void attendQueryRows(const AttentionHead& h, int64_t rows, float* scratch) {
    const int64_t ldk = paddedKeyCount(h.keys), lds = scoreRowStride(h.keys);
    float* scores = scratch;                // [rows][lds]
    float* inverse = scratch + rows * lds;  // [rows]

    for (int64_t j0 = 0; j0 < ldk; j0 += kScoreKeyBlock) {
        const int64_t j1 = std::min(ldk, j0 + kScoreKeyBlock);
        tiles::forRowTiles(rows, [&]<int R>(int64_t r) { scoreRows<R>(h, r, j0, j1, lds, scores); });
    }

    const int64_t valueWidth = attentionValueWidth(h.width);
    for (int64_t r = 0; r < rows; ++r) {
        inverse[r] = 1.0f / softmaxNumeratorRow(scores + r * lds, h.keys, h.scale);
        std::fill(h.out + r * h.outStride, h.out + r * h.outStride + valueWidth, 0.0f);
    }

    // The head's vectors in groups of at most kValueVectors, as even as they go (40 values: 3 + 2).
    const int64_t vectors = valueWidth / kLanes, groups = (vectors + kValueVectors - 1) / kValueVectors;
    for (int64_t j0 = 0; j0 < h.keys; j0 += kValueKeyBlock) {
        const int64_t j1 = std::min(h.keys, j0 + kValueKeyBlock);
        for (int64_t g = 0, c = 0; g < groups; ++g) {
            const int n = int((vectors - c) / (groups - g));
            tiles::forRowTiles<kValueRows>(rows, [&]<int R>(int64_t r) {
                valueRows<R>(scores + r * lds, lds, h, j0, j1, c * kLanes, n, h.out + r * h.outStride);
            });
            c += n;
        }
    }

    for (int64_t r = 0; r < rows; ++r) {
        float* row = h.out + r * h.outStride;
        for (int64_t c = 0; c < valueWidth; ++c) row[c] *= inverse[r];
    }
}

}  // namespace tessera::engine::kernels
