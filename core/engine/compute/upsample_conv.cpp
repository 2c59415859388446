#include "core/engine/compute/upsample_conv.h"

#include "core/common/error.h"
#include "core/engine/compute/cpu_kernels.h"
#include "core/engine/compute/winograd_conv.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <cstring>

namespace tessera::engine {

namespace {

// Which of the 3x3 kernel's rows (or columns) land on the 2x2 window's first and second row, for an
// output row of parity 0 or 1: the upsampled rows 2i-1, 2i, 2i+1 are the small rows i-1, i, i (even
// output rows) or i, i, i+1 (odd ones).
constexpr int kTapFirst[2][2] = {{0, 1}, {0, 2}};  // [parity][window row] -> first kernel row
// The phase convolutions pay off from about one input pixel per 1000 kernel elements (Cin x Cout).
constexpr int64_t kPixelsPerKernelElement = 1000;
constexpr int kTapLast[2][2] = {{0, 2}, {1, 2}};   // [parity][window row] -> last kernel row

float tapValue(float v) { return v; }
float tapValue(kernels::bf16 v) { return kernels::bf16ToFloat(v); }
void storeTap(float v, float* out) { *out = v; }
void storeTap(float v, kernels::bf16* out) { *out = kernels::floatToBf16(v); }

// Source [Cout, Cin, 3, 3] and target [4 Cout, Cin, 2, 2] read and written through their strides (either
// may be channels-last).
template <class T>
void phaseKernelsOf(const T* w, at::IntArrayRef from, int64_t cout, int64_t cin, T* out, at::IntArrayRef to) {
    at::parallel_for(0, cout * cin, 4096, [&](int64_t begin, int64_t end) {
        for (int64_t p = begin; p < end; ++p) {
            const int64_t o = p / cin, i = p % cin;
            float taps[9];
            for (int k = 0; k < 9; ++k) taps[k] = tapValue(w[o * from[0] + i * from[1] + (k / 3) * from[2] + (k % 3) * from[3]]);
            for (int a = 0; a < 2; ++a)
                for (int b = 0; b < 2; ++b)
                    for (int wy = 0; wy < 2; ++wy)
                        for (int wx = 0; wx < 2; ++wx) {
                            float sum = 0;
                            for (int ky = kTapFirst[a][wy]; ky <= kTapLast[a][wy]; ++ky)
                                for (int kx = kTapFirst[b][wx]; kx <= kTapLast[b][wx]; ++kx) sum += taps[ky * 3 + kx];
                            const int64_t target = ((2 * a + b) * cout + o) * to[0] + i * to[1] + wy * to[2] + wx * to[3];
                            storeTap(sum, out + target);
                        }
        }
    });
}

// y[n, 2i + a, 2j + b, :] = phases[n, i + a, j + b, (2a + b) C .. (2a + b + 1) C) in channels-last memory: one
// memcpy of C values per output pixel (libtorch 1.13 copies the equivalent strided bfloat16 view slowly).
void interleavePhasesChannelsLast(const at::Tensor& phases, at::Tensor& y) {
    const int64_t n = y.size(0), c = y.size(1), outH = y.size(2), outW = y.size(3);
    const int64_t inW = phases.size(3), bytes = c * int64_t(y.element_size());
    const auto* src = static_cast<const char*>(phases.data_ptr());
    auto* dst = static_cast<char*>(y.data_ptr());
    const int64_t inRow = inW * 4 * bytes, inImage = phases.size(2) * inRow;
    at::parallel_for(0, n * outH, 16, [&](int64_t begin, int64_t end) {
        for (int64_t row = begin; row < end; ++row) {
            const int64_t image = row / outH, oy = row % outH, a = oy % 2, i = oy / 2;
            const char* in = src + image * inImage + (i + a) * inRow;
            char* out = dst + row * outW * bytes;
            for (int64_t ox = 0; ox < outW; ++ox) {
                const int64_t b = ox % 2, j = ox / 2;
                std::memcpy(out + ox * bytes, in + ((j + b) * 4 + 2 * a + b) * bytes, size_t(bytes));
            }
        }
    });
}

}  // namespace

at::Tensor upsampleConvPhaseKernels(const at::Tensor& weight3x3, at::MemoryFormat format) {
    if (weight3x3.dim() != 4 || weight3x3.size(2) != 3 || weight3x3.size(3) != 3)
        throw Error("upsample convolution: expected a [Cout, Cin, 3, 3] kernel, got " +
                    std::string(c10::str(weight3x3.sizes())));
    const at::ScalarType type = weight3x3.scalar_type();
    const bool native = type == at::kFloat || type == at::kBFloat16;
    const at::Tensor w = (native ? weight3x3 : weight3x3.to(at::kFloat)).to(at::kCPU);
    const int64_t cout = w.size(0), cin = w.size(1);
    at::Tensor out = at::empty({4 * cout, cin, 2, 2}, w.options(), format);
    if (w.scalar_type() == at::kBFloat16)
        phaseKernelsOf(reinterpret_cast<const kernels::bf16*>(w.data_ptr()), w.strides(), cout, cin,
                       reinterpret_cast<kernels::bf16*>(out.data_ptr()), out.strides());
    else
        phaseKernelsOf(w.data_ptr<float>(), w.strides(), cout, cin, out.data_ptr<float>(), out.strides());
    return out.to(weight3x3.device(), type);
}

at::Tensor upsample2xConv3x3(const at::Tensor& x, const at::Tensor& weight3x3, const at::Tensor& bias) {
    if (x.dim() != 4 || weight3x3.dim() != 4 || weight3x3.size(1) != x.size(1) || weight3x3.size(2) != 3 ||
        weight3x3.size(3) != 3)
        throw Error("upsample convolution: input " + std::string(c10::str(x.sizes())) + " does not fit kernel " +
                    std::string(c10::str(weight3x3.sizes())));
    const int64_t n = x.size(0), h = x.size(2), w = x.size(3), cout = weight3x3.size(0);
    // In float32 Winograd's 2.25 products per output on the upsampled image beat the phases' 4 on the small
    // one: 1.15-2.4x faster for the SD1.5 VAE's and UNet's up-blocks at 512x512 (bench/conv_bench).
    if (winogradApplies(x, weight3x3, 1, 1, 2))
        return winogradConv3x3(at::upsample_nearest2d(x, at::IntArrayRef{2 * h, 2 * w}), weight3x3, bias)
            .contiguous(x.suggest_memory_format());
    // Where the kernel outweighs the image (the UNet's 1280-channel up-blocks at 8x8 and 16x16), oneDNN's
    // per-call reorder of the 16/9 times larger phase kernels costs more than the taps save: measured 3x
    // slower there, 2x faster on the VAE's 128x128 and 256x256 up-blocks (bf16, libtorch 1.13).
    if (n * h * w * kPixelsPerKernelElement < weight3x3.size(0) * weight3x3.size(1))
        return at::conv2d(at::upsample_nearest2d(x, at::IntArrayRef{2 * h, 2 * w}), weight3x3, bias, {1, 1}, {1, 1});
    const at::MemoryFormat format = x.suggest_memory_format();
    const at::Tensor padded = at::constant_pad_nd(x, {1, 1, 1, 1}, 0).contiguous(format);
    const at::Tensor phaseBias = bias.defined() ? bias.repeat({4}) : at::Tensor();
    // [N, 4 * Cout, H + 1, W + 1]: phase (a, b) is channel block 2a + b, rows a.., columns b..
    const at::Tensor phases = at::conv2d(padded, upsampleConvPhaseKernels(weight3x3, format), phaseBias);
    const at::Tensor byPhase = phases.unflatten(1, {2, 2, cout});
    at::Tensor y = at::empty({n, cout, 2 * h, 2 * w}, phases.options(), format);
    if (format == at::MemoryFormat::ChannelsLast && phases.is_contiguous(at::MemoryFormat::ChannelsLast)) {
        interleavePhasesChannelsLast(phases, y);
        return y;
    }
    const at::Tensor interleaved = y.unflatten(3, {w, 2}).unflatten(2, {h, 2});  // [N, Cout, H, 2, W, 2]
    for (int64_t a = 0; a < 2; ++a)
        for (int64_t b = 0; b < 2; ++b)
            interleaved.select(5, b).select(3, a).copy_(byPhase.select(1, a).select(1, b).narrow(2, a, h).narrow(3, b, w));
    return y;
}

}  // namespace tessera::engine
