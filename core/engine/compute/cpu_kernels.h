#pragma once
// Plain loops over raw float32 / bfloat16 buffers for the element-wise work that libtorch 1.13 does in
// several passes, or slowly for bfloat16 (it converts element by element). Compiled with -O3 and cloned
// for AVX-512, AVX2 and baseline x86-64 (chosen at load time), so they vectorise on every CPU.
// No libtorch here: fused_ops.cpp cuts tensors into rows and calls these from its worker threads.
// bfloat16 values are their raw 16-bit patterns; float32 -> bfloat16 rounds to nearest even.
#include <cstdint>

namespace tessera::engine::kernels {

using bf16 = uint16_t;

// sum[c] += x[c] + offset[c] for c < n (offset may be null). Accumulates in float32.
void addRow(const float* x, const float* offset, int64_t n, float* sum);
void addRow(const bf16* x, const float* offset, int64_t n, float* sum);
// sum[c] += (x[c] + offset[c] - mean[c])^2.
void addSquaredDeviationRow(const float* x, const float* offset, const float* mean, int64_t n, float* sum);
void addSquaredDeviationRow(const bf16* x, const float* offset, const float* mean, int64_t n, float* sum);
// y[c] = (x[c] + offset[c]) * scale[c] + shift[c], then SiLU (v / (1 + e^-v)) when `silu`.
void scaleShiftRow(const float* x, const float* offset, const float* scale, const float* shift, int64_t n,
                   bool silu, float* y);
void scaleShiftRow(const bf16* x, const float* offset, const float* scale, const float* shift, int64_t n,
                   bool silu, bf16* y);
// The same with one offset, scale and shift for the whole row (an NCHW channel plane).
void scaleShiftPlane(const float* x, float offset, float scale, float shift, int64_t n, bool silu, float* y);
void scaleShiftPlane(const bf16* x, float offset, float scale, float shift, int64_t n, bool silu, bf16* y);
// Sum and sum of squared deviations from `mean` of x[i] + offset over one plane, in float32.
float planeSum(const float* x, float offset, int64_t n);
float planeSum(const bf16* x, float offset, int64_t n);
float planeSquaredDeviation(const float* x, float offset, float mean, int64_t n);
float planeSquaredDeviation(const bf16* x, float offset, float mean, int64_t n);
// GEGLU: y[i] = a[i] * gelu(g[i]) with the exact (erf) GELU, for i < n.
void gegluRow(const float* a, const float* g, int64_t n, float* y);
void gegluRow(const bf16* a, const bf16* g, int64_t n, bf16* y);

// Softmax of scale * x over one row of n values, in float32: y may be x. `scratch` holds n floats.
void softmaxRow(const float* x, int64_t n, float scale, float* scratch, float* y);
void softmaxRow(const bf16* x, int64_t n, float scale, float* scratch, bf16* y);
// Softmax's numerators in place, x[i] = exp(scale * (x[i] - max x)) for i < n (scale > 0), and their
// sum: the caller divides by it later, where fewer values are left (fused attention's output rows).
float softmaxNumeratorRow(float* x, int64_t n, float scale);

// Type conversions of n values (IEEE half, float32, bfloat16 as raw bits), for loading weights.
void halfToFloatRow(const uint16_t* half, int64_t n, float* y);
void halfToBf16Row(const uint16_t* half, int64_t n, bf16* y);
void floatToBf16Row(const float* x, int64_t n, bf16* y);
void bf16ToFloatRow(const bf16* x, int64_t n, float* y);

// Scalar helpers (exposed for tests).
float expApprox(float x);   // relative error < 2e-7 over the float range; saturates outside +-88
float erfApprox(float x);   // absolute error < 6e-7 (Abramowitz & Stegun 7.1.26 in float32)
float bf16ToFloat(bf16 v);
bf16 floatToBf16(float v);  // round to nearest even; NaN stays NaN
float halfToFloat(uint16_t v);  // IEEE binary16, subnormals, infinities and NaN included

}  // namespace tessera::engine::kernels
