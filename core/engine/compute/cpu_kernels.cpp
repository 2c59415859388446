#include "core/engine/compute/cpu_kernels.h"
#include "core/engine/compute/kernel_clones.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#include <immintrin.h>
#endif

#include <cmath>
#include <cstring>
#include <initializer_list>

#ifdef TESSERA_KERNEL_REGION_CHECKS
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>

#include <cstdio>
#include <cstdlib>
#endif


namespace tessera::engine::kernels {

namespace {

// Sanitized builds compile this file uninstrumented (core/CMakeLists.txt): ASan's check on every
// access stops GCC vectorising a loop, and the sanitized tests spent a fifth of their compute in
// these loops run one element at a time. Each loop below covers exactly [p, p + n) of each buffer,
// so each exported function checks those whole regions on entry instead; elsewhere this is nothing.
struct Region {
    const void* begin;
    size_t bytes;
};
template <class T>
Region span(const T* p, int64_t n) { return {p, p && n > 0 ? size_t(n) * sizeof(T) : 0}; }

#ifdef TESSERA_KERNEL_REGION_CHECKS
void checkRegions(const char* kernel, std::initializer_list<Region> regions) {
    int index = 0;
    for (const Region& r : regions) {
        ++index;
        if (!r.bytes) continue;
        const void* bad = __asan_region_is_poisoned(const_cast<void*>(r.begin), r.bytes);
        if (!bad) continue;
        std::fprintf(stderr, "tessera: kernels::%s: buffer %d (%zu bytes at %p) reaches unaddressable memory at %p\n",
                     kernel, index, r.bytes, r.begin, bad);
        __asan_describe_address(const_cast<void*>(bad));
        __sanitizer_print_stack_trace();
        std::abort();
    }
}
#else
TESSERA_INLINE void checkRegions(const char*, std::initializer_list<Region>) {}
#endif

TESSERA_INLINE float load(float v) { return v; }
TESSERA_INLINE float load(bf16 v) {
    const uint32_t bits = uint32_t(v) << 16;
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

TESSERA_INLINE void store(float v, float* out) { *out = v; }
TESSERA_INLINE void store(float v, bf16* out) {
    uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    const uint32_t rounded = (bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16;
    const bool nan = (bits & 0x7FFFFFFFu) > 0x7F800000u;
    *out = bf16(nan ? ((bits >> 16) | 0x40u) : rounded);
}

// IEEE half -> float with integer operations only (vectorises without F16C): move exponent and
// mantissa into place, re-bias the exponent; subnormals via a float subtraction; Inf/NaN keep 255.
TESSERA_INLINE float halfBitsToFloat(uint16_t h) {
    const uint32_t sign = uint32_t(h & 0x8000u) << 16;
    const uint32_t shifted = uint32_t(h & 0x7FFFu) << 13;
    const uint32_t exponent = shifted & 0x0F800000u;
    const float normal = __builtin_bit_cast(float, shifted + 0x38000000u);
    const float special = __builtin_bit_cast(float, shifted + 0x70000000u);
    const float subnormal = __builtin_bit_cast(float, shifted + 0x38800000u) - __builtin_bit_cast(float, 0x38800000u);
    const float magnitude = exponent == 0x0F800000u ? special : (exponent == 0 ? subnormal : normal);
    return __builtin_bit_cast(float, __builtin_bit_cast(uint32_t, magnitude) | sign);
}

// Cephes' expf: x = n ln2 + r with n rounded by the 1.5 * 2^23 trick (no float -> int conversion, which
// would stop GCC vectorising after the clamp), a degree-5 polynomial for e^r, 2^n through the exponent bits.
// For x <= 88.376 (where e^x overflows): softmax's arguments are <= 0 and skip the upper clamp.
TESSERA_INLINE float expUpToOverflow(float x) {
    x = x < -87.3365478515625f ? -87.3365478515625f : x;
    const float shifted = x * 1.44269504088896341f + 12582912.0f;
    const float n = shifted - 12582912.0f;
    const int32_t k = int32_t(__builtin_bit_cast(uint32_t, shifted) - 0x4B400000u);
    x = x - n * 0.693359375f + n * 2.12194440e-4f;
    const float z = x * x;
    float y = 1.9875691500e-4f;
    y = y * x + 1.3981999507e-3f;
    y = y * x + 8.3334519073e-3f;
    y = y * x + 4.1665795894e-2f;
    y = y * x + 1.6666665459e-1f;
    y = y * x + 5.0000001201e-1f;
    y = y * z + x + 1.0f;
    return y * __builtin_bit_cast(float, uint32_t(k + 127) << 23);
}

TESSERA_INLINE float expInline(float x) { return expUpToOverflow(x > 88.3762626647949f ? 88.3762626647949f : x); }

// v / (1 + e^-v), written with e = e^-|v| <= 1 so that no argument of exp is positive: v / (1 + e) for
// v >= 0, v e / (1 + e) below. One division: with exp's upper clamp in the denominator GCC divided twice
// (once by the clamped constant) and blended, and a VAE decode spent 7 % of its time there.
TESSERA_INLINE float siluInline(float v) {
    const float e = expUpToOverflow(v < 0 ? v : -v);
    return (v < 0 ? v * e : v) / (1.0f + e);
}

// Abramowitz & Stegun 7.1.26.
TESSERA_INLINE float erfInline(float x) {
    const float a = std::fabs(x);
    const float t = 1.0f / (1.0f + 0.3275911f * a);
    float p = 1.061405429f;
    p = p * t - 1.453152027f;
    p = p * t + 1.421413741f;
    p = p * t - 0.284496736f;
    p = p * t + 0.254829592f;
    return std::copysign(1.0f - p * t * expInline(-a * a), x);
}

TESSERA_INLINE float geluInline(float v) { return 0.5f * v * (1.0f + erfInline(v * 0.70710678118654752f)); }

template <class T>
TESSERA_INLINE void addRowT(const T* x, const float* offset, int64_t n, float* sum) {
    checkRegions("addRow", {span(x, n), span(offset, n), span(sum, n)});
    if (offset)
        for (int64_t c = 0; c < n; ++c) sum[c] += load(x[c]) + offset[c];
    else
        for (int64_t c = 0; c < n; ++c) sum[c] += load(x[c]);
}

template <class T>
TESSERA_INLINE void addSquaredDeviationRowT(const T* x, const float* offset, const float* mean, int64_t n, float* sum) {
    checkRegions("addSquaredDeviationRow", {span(x, n), span(offset, n), span(mean, n), span(sum, n)});
    if (offset) {
        for (int64_t c = 0; c < n; ++c) {
            const float d = load(x[c]) + offset[c] - mean[c];
            sum[c] += d * d;
        }
    } else {
        for (int64_t c = 0; c < n; ++c) {
            const float d = load(x[c]) - mean[c];
            sum[c] += d * d;
        }
    }
}

template <class T>
TESSERA_INLINE void scaleShiftRowT(const T* x, const float* offset, const float* scale, const float* shift,
                                   int64_t n, bool silu, T* y) {
    checkRegions("scaleShiftRow", {span(x, n), span(offset, n), span(scale, n), span(shift, n), span(y, n)});
    if (offset) {
        if (silu)
            for (int64_t c = 0; c < n; ++c) store(siluInline((load(x[c]) + offset[c]) * scale[c] + shift[c]), y + c);
        else
            for (int64_t c = 0; c < n; ++c) store((load(x[c]) + offset[c]) * scale[c] + shift[c], y + c);
    } else {
        if (silu)
            for (int64_t c = 0; c < n; ++c) store(siluInline(load(x[c]) * scale[c] + shift[c]), y + c);
        else
            for (int64_t c = 0; c < n; ++c) store(load(x[c]) * scale[c] + shift[c], y + c);
    }
}

template <class T>
TESSERA_INLINE void scaleShiftPlaneT(const T* x, float offset, float scale, float shift, int64_t n, bool silu, T* y) {
    checkRegions("scaleShiftPlane", {span(x, n), span(y, n)});
    // (x + offset) * scale + shift = x * scale + (offset * scale + shift)
    const float bias = offset * scale + shift;
    if (silu)
        for (int64_t i = 0; i < n; ++i) store(siluInline(load(x[i]) * scale + bias), y + i);
    else
        for (int64_t i = 0; i < n; ++i) store(load(x[i]) * scale + bias, y + i);
}

// The sum of term(i) for i < n. Blocks of 16 independent partial sums keep float32 rounding small and let
// GCC vectorise the reduction.
template <class F>
TESSERA_INLINE float blockedSumOf(int64_t n, F term) {
    float lanes[16] = {};
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (int k = 0; k < 16; ++k) lanes[k] += term(i + k);
    float tail = 0;
    for (; i < n; ++i) tail += term(i);
    float total = tail;
    for (float v : lanes) total += v;
    return total;
}

template <class T, class F>
TESSERA_INLINE float blockedSum(const T* x, int64_t n, F term) {
    return blockedSumOf(n, [&](int64_t i) { return term(load(x[i])); });
}

// Floats ordered as signed integers (negative values with their magnitude bits flipped): an integer
// max, which GCC vectorises where a float compare-and-select reduction is not (NaN rules).
TESSERA_INLINE int32_t orderedBits(float v) {
    const int32_t i = __builtin_bit_cast(int32_t, v);
    return i ^ ((i >> 31) & 0x7FFFFFFF);
}

template <class T>
TESSERA_INLINE float rowMax(const T* x, int64_t n) {
    int32_t best = orderedBits(-3.4028234663852886e38f);
    for (int64_t i = 0; i < n; ++i) {
        const int32_t k = orderedBits(load(x[i]));
        best = k > best ? k : best;
    }
    return __builtin_bit_cast(float, best ^ ((best >> 31) & 0x7FFFFFFF));
}

template <class T>
TESSERA_INLINE float planeSumT(const T* x, float offset, int64_t n) {
    checkRegions("planeSum", {span(x, n)});
    return blockedSum(x, n, [](float v) { return v; }) + offset * float(n);
}

template <class T>
TESSERA_INLINE float planeSquaredDeviationT(const T* x, float offset, float mean, int64_t n) {
    checkRegions("planeSquaredDeviation", {span(x, n)});
    const float m = mean - offset;
    return blockedSum(x, n, [m](float v) { return (v - m) * (v - m); });
}

template <class T>
TESSERA_INLINE void softmaxRowT(const T* x, int64_t n, float scale, float* scratch, T* y) {
    checkRegions("softmaxRow", {span(x, n), span(scratch, n), span(y, n)});
    const float shift = rowMax(x, n) * scale;
    for (int64_t i = 0; i < n; ++i) scratch[i] = expUpToOverflow(load(x[i]) * scale - shift);
    const float inverse = 1.0f / blockedSum(scratch, n, [](float v) { return v; });
    for (int64_t i = 0; i < n; ++i) store(scratch[i] * inverse, y + i);
}

TESSERA_INLINE float softmaxNumeratorRowT(float* x, int64_t n, float scale) {
    checkRegions("softmaxNumeratorRow", {span(x, n)});
    const float shift = rowMax(x, n) * scale;
    return blockedSumOf(n, [&](int64_t i) { return x[i] = expUpToOverflow(x[i] * scale - shift); });
}

template <class T>
TESSERA_INLINE void gegluRowT(const T* a, const T* g, int64_t n, T* y) {
    checkRegions("gegluRow", {span(a, n), span(g, n), span(y, n)});
    for (int64_t i = 0; i < n; ++i) store(load(a[i]) * geluInline(load(g[i])), y + i);
}

}  // namespace

TESSERA_CLONES void addRow(const float* x, const float* offset, int64_t n, float* sum) { addRowT(x, offset, n, sum); }
TESSERA_CLONES void addRow(const bf16* x, const float* offset, int64_t n, float* sum) { addRowT(x, offset, n, sum); }

TESSERA_CLONES void addSquaredDeviationRow(const float* x, const float* offset, const float* mean, int64_t n, float* sum) {
    addSquaredDeviationRowT(x, offset, mean, n, sum);
}
TESSERA_CLONES void addSquaredDeviationRow(const bf16* x, const float* offset, const float* mean, int64_t n, float* sum) {
    addSquaredDeviationRowT(x, offset, mean, n, sum);
}

TESSERA_CLONES void scaleShiftRow(const float* x, const float* offset, const float* scale, const float* shift, int64_t n,
                                  bool silu, float* y) {
    scaleShiftRowT(x, offset, scale, shift, n, silu, y);
}
TESSERA_CLONES void scaleShiftRow(const bf16* x, const float* offset, const float* scale, const float* shift, int64_t n,
                                  bool silu, bf16* y) {
    scaleShiftRowT(x, offset, scale, shift, n, silu, y);
}

TESSERA_CLONES void scaleShiftPlane(const float* x, float offset, float scale, float shift, int64_t n, bool silu, float* y) {
    scaleShiftPlaneT(x, offset, scale, shift, n, silu, y);
}
TESSERA_CLONES void scaleShiftPlane(const bf16* x, float offset, float scale, float shift, int64_t n, bool silu, bf16* y) {
    scaleShiftPlaneT(x, offset, scale, shift, n, silu, y);
}

TESSERA_CLONES float planeSum(const float* x, float offset, int64_t n) { return planeSumT(x, offset, n); }
TESSERA_CLONES float planeSum(const bf16* x, float offset, int64_t n) { return planeSumT(x, offset, n); }

TESSERA_CLONES float planeSquaredDeviation(const float* x, float offset, float mean, int64_t n) {
    return planeSquaredDeviationT(x, offset, mean, n);
}
TESSERA_CLONES float planeSquaredDeviation(const bf16* x, float offset, float mean, int64_t n) {
    return planeSquaredDeviationT(x, offset, mean, n);
}

TESSERA_CLONES void gegluRow(const float* a, const float* g, int64_t n, float* y) { gegluRowT(a, g, n, y); }
TESSERA_CLONES void gegluRow(const bf16* a, const bf16* g, int64_t n, bf16* y) { gegluRowT(a, g, n, y); }

TESSERA_CLONES void softmaxRow(const float* x, int64_t n, float scale, float* scratch, float* y) {
    softmaxRowT(x, n, scale, scratch, y);
}
TESSERA_CLONES void softmaxRow(const bf16* x, int64_t n, float scale, float* scratch, bf16* y) {
    softmaxRowT(x, n, scale, scratch, y);
}

TESSERA_CLONES float softmaxNumeratorRow(float* x, int64_t n, float scale) {
    return softmaxNumeratorRowT(x, n, scale);
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
// CPUs with F16C (every x86-64-v3 one) convert float16 themselves, exactly, 8 values an instruction: 3-5x
// the bit decoder's rate, which matters where weights are widened into a cache-sized buffer
// (winograd_conv.cpp's kernel transform).
__attribute__((target("avx,f16c"))) static void halfToFloatByF16c(const uint16_t* half, int64_t n, float* y) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(half + i))));
    for (; i < n; ++i) y[i] = halfBitsToFloat(half[i]);
}
#endif

TESSERA_CLONES void halfToFloatRow(const uint16_t* half, int64_t n, float* y) {
    checkRegions("halfToFloatRow", {span(half, n), span(y, n)});
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
    if (__builtin_cpu_supports("f16c")) return halfToFloatByF16c(half, n, y);
#endif
    for (int64_t i = 0; i < n; ++i) y[i] = halfBitsToFloat(half[i]);
}
TESSERA_CLONES void halfToBf16Row(const uint16_t* half, int64_t n, bf16* y) {
    checkRegions("halfToBf16Row", {span(half, n), span(y, n)});
    for (int64_t i = 0; i < n; ++i) store(halfBitsToFloat(half[i]), y + i);
}
TESSERA_CLONES void floatToBf16Row(const float* x, int64_t n, bf16* y) {
    checkRegions("floatToBf16Row", {span(x, n), span(y, n)});
    for (int64_t i = 0; i < n; ++i) store(x[i], y + i);
}
TESSERA_CLONES void bf16ToFloatRow(const bf16* x, int64_t n, float* y) {
    checkRegions("bf16ToFloatRow", {span(x, n), span(y, n)});
    for (int64_t i = 0; i < n; ++i) y[i] = load(x[i]);
}

float halfToFloat(uint16_t v) { return halfBitsToFloat(v); }

float expApprox(float x) { return expInline(x); }
float erfApprox(float x) { return erfInline(x); }
float bf16ToFloat(bf16 v) { return load(v); }
bf16 floatToBf16(float v) {
    bf16 out;
    store(v, &out);
    return out;
}

}  // namespace tessera::engine::kernels
