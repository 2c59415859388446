#pragma once
// Float32 attention of one head over a block of query rows, computed while it is in the core's cache:
// scores Q K^T by register tiles of 6 rows x 16 keys, softmax's numerators in place, then P V by tiles of
// 4 rows x up to 24 values over blocks of keys; each output row is divided by its softmax sum at the end.
// Against libtorch's products (OpenBLAS) per query chunk this packs each head's keys once instead of
// once per chunk, never zeroes the scores before writing them, and leaves out softmax's division pass.
// No libtorch here; networks/attention.cpp drives it.
#include <cstdint>

namespace tessera::engine::kernels {

// Key counts are padded to a multiple of this in the packed keys (the padding is zero, never used).
constexpr int64_t kAttentionKeyAlign = 16;
int64_t paddedKeyCount(int64_t keys);
// Head widths the kernels take: up to 256 (SD's 40, 64, 80, 160; the tiny test models' 4).
bool fusedAttentionTakesHeadWidth(int64_t width);
// How many values the value tiles read and write per row for a head `width` wide: whole vectors of 8 (a
// 4-wide head's values and output rows are padded to 8).
int64_t attentionValueWidth(int64_t width);

// Packs one head's keys transposed, in panels of kAttentionKeyAlign keys that the score tiles read
// front to back: value i of key j (at k + j * kStride + i) goes to
// kT[(j / kAttentionKeyAlign) * width * kAttentionKeyAlign + i * kAttentionKeyAlign + j % kAttentionKeyAlign].
// Padding keys are zero. kT holds paddedKeyCount(keys) * width floats.
void packKeysTransposed(const float* k, int64_t kStride, int64_t keys, int64_t width, float* kT);

struct AttentionHead {
    const float* q = nullptr;  // query row r at q + r * qStride (`width` floats)
    int64_t qStride = 0;
    const float* kT = nullptr;  // packKeysTransposed
    const float* v = nullptr;   // key j's values at v + j * vStride: attentionValueWidth(width) floats, past
    int64_t vStride = 0;        // `width` zero
    float* out = nullptr;  // output row r at out + r * outStride: attentionValueWidth(width) floats written
    int64_t outStride = 0;
    int64_t width = 0, keys = 0;
    float scale = 1.0f;  // softmax(scale * q . k)
};

// Where the fused kernels were measured faster than OpenBLAS's products (tiles::tilesPayOnThisCpu: x86
// CPUs with AVX2 and FMA but no AVX-512).
bool fusedAttentionPaysOnThisCpu();

// Floats of scratch that attendQueryRows needs for `rows` query rows.
int64_t attentionScratchFloats(int64_t rows, int64_t keys);
// softmax(scale * Q K^T) V for query rows [0, rows) of `head`.
void attendQueryRows(const AttentionHead& head, int64_t rows, float* scratch);

}  // namespace tessera::engine::kernels
