#include "core/engine/compute/winograd_conv.h"

#include "core/engine/compute/cpu_kernels.h"
#include "core/engine/compute/weight_storage.h"
#include "core/engine/compute/winograd_kernels.h"
#include "core/engine/compute/winograd_products.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <vector>

namespace tessera::engine {

namespace {

// A [Cout, Cin, 3, 3] weight's kernels as float32 values, read in place or widened from float16 where the
// weight is stored in it (weight_storage.h), a block of input channels at a time.
class Kernels {
public:
    explicit Kernels(const at::Tensor& weight) : weight_(weight.contiguous()), cin_(weight.size(1)) {
        if (isStoredHalf(weight_)) half_ = reinterpret_cast<const uint16_t*>(weight_.data_ptr<at::Half>());
        else values_ = weight_.data_ptr<float>();
    }
    // The 9 (c1 - c0) values of the kernels (o, c0) .. (o, c1 - 1); `buffer` holds as many floats.
    const float* of(int64_t o, int64_t c0, int64_t c1, float* buffer) const {
        const int64_t first = (o * cin_ + c0) * 9;
        if (values_) return values_ + first;
        kernels::halfToFloatRow(half_ + first, (c1 - c0) * 9, buffer);
        return buffer;
    }

private:
    at::Tensor weight_;
    int64_t cin_;
    const float* values_ = nullptr;
    const uint16_t* half_ = nullptr;
};

// Transforms the kernels of output channels [o0, o1) and input channels [c0, c1): value k of kernel (o, c)
// to u[k * kStride + (o - o0) * ldu + c - c0]. buffer: 9 (c1 - c0) floats.
void transformKernels(const Kernels& kernels, int64_t o0, int64_t o1, int64_t c0, int64_t c1, float* u, int64_t kStride,
                      int64_t ldu, float* buffer) {
    for (int64_t o = o0; o < o1; ++o)
        kernels::winogradKernelTransform(kernels.of(o, c0, c1, buffer), c1 - c0, u + (o - o0) * ldu, kStride);
}

// Every transformed kernel, U [36, Cout, Cin] with strides {winogradRowStride(Cout Cin), Cin, 1}.
at::Tensor transformedKernels(const Kernels& kernels, int64_t cout, int64_t cin) {
    const int64_t kStride = kernels::winogradRowStride(cout * cin);
    at::Tensor u = at::empty({36 * kStride}).as_strided({36, cout, cin}, {kStride, cin, 1});
    float* data = u.data_ptr<float>();
    at::parallel_for(0, cout, 1, [&](int64_t begin, int64_t end) {
        std::vector<float> buffer(size_t(9 * cin));
        transformKernels(kernels, begin, end, 0, cin, data + begin * cin, kStride, cin, buffer.data());
    });
    return u;
}

// Tiles per band: the transformed inputs of a band ([36, Cin, tiles]) and its products ([36, Cout, tiles])
// stay near the caches' size while each of the 36 products is still wide.
constexpr int64_t kBandBytes = int64_t(24) << 20;
constexpr int64_t kMinBandTiles = 256;

// The 36 products of a band, [Cout x Cin] x [Cin x width] each, rows of v and m ldt apart: by register
// tiles in tasks of up to 96 output channels and 512 tiles (kernels::winogradProductBlock) where they pay,
// else by OpenBLAS (there ldt is width).
constexpr int64_t kProductRows = 96;
constexpr int64_t kProductTiles = 512;

void multiplyBand(const at::Tensor& u, const float* v, float* m, int64_t cout, int64_t cin, int64_t width, int64_t ldt,
                  bool registerTiles) {
    if (!registerTiles) {
        TORCH_CHECK(ldt == width, "Winograd: BLAS products take rows without padding");
        at::Tensor product = at::from_blob(m, {36, cout, ldt});
        at::bmm_out(product, u, at::from_blob(const_cast<float*>(v), {36, cin, ldt}));
        return;
    }
    const float* uData = u.data_ptr<float>();
    const int64_t kStride = u.stride(0);
    const int64_t rowBlocks = (cout + kProductRows - 1) / kProductRows, tileBlocks = (width + kProductTiles - 1) / kProductTiles;
    at::parallel_for(0, 36 * rowBlocks * tileBlocks, 1, [&](int64_t begin, int64_t end) {
        for (int64_t task = begin; task < end; ++task) {
            const int64_t k = task / (rowBlocks * tileBlocks), o0 = (task / tileBlocks % rowBlocks) * kProductRows,
                          t0 = task % tileBlocks * kProductTiles;
            kernels::winogradProductBlock(uData + k * kStride + o0 * cin, cin, v + k * cin * ldt, ldt, m + (k * cout + o0) * ldt,
                                          ldt, std::min(kProductRows, cout - o0), cin, t0,
                                          std::min(width, t0 + kProductTiles), false);
        }
    });
}

// With few tiles the kernels' transform costs more than the products: U is 4x the float32 weight (236 MB
// for 1280 x 1280 channels), written and read again on every call. There each task transforms the kernels
// of its 24 output channels 64 input channels at a time, into a buffer that stays in the L2 cache (221 KB),
// and multiplies by them at once; U is never whole in memory. Each task reads all of v, so with more tiles
// the whole U is the cheaper way (measured: 2 x 1280 @16, 32 tiles, even; 2 x 640 @32, 128 tiles, 1.3x
// slower).
constexpr int64_t kFusedRows = 24;
constexpr int64_t kFusedDepth = 64;
constexpr int64_t kFusedMaxTiles = 64;

void multiplyTransformingKernels(const Kernels& kernels, const float* v, float* m, int64_t cout, int64_t cin,
                                 int64_t width, int64_t ldt) {
    at::parallel_for(0, (cout + kFusedRows - 1) / kFusedRows, 1, [&](int64_t begin, int64_t end) {
        const int64_t kStride = kernels::winogradRowStride(kFusedRows * kFusedDepth);
        std::vector<float> u(size_t(36 * kStride)), buffer(size_t(9 * kFusedDepth));
        for (int64_t block = begin; block < end; ++block) {
            const int64_t o0 = block * kFusedRows, rows = std::min(kFusedRows, cout - o0);
            for (int64_t c0 = 0; c0 < cin; c0 += kFusedDepth) {
                const int64_t depth = std::min(kFusedDepth, cin - c0);
                transformKernels(kernels, o0, o0 + rows, c0, c0 + depth, u.data(), kStride, depth, buffer.data());
                for (int64_t k = 0; k < 36; ++k)
                    kernels::winogradProductBlock(u.data() + k * kStride, depth, v + (k * cin + c0) * ldt, ldt,
                                                  m + (k * cout + o0) * ldt, ldt, rows, depth, 0, width, c0 > 0);
            }
        }
    });
}

// Fewest tiles for Winograd: with the kernels transformed per task, and where OpenBLAS multiplies (U whole).
constexpr int64_t kMinTiles = 4;
constexpr int64_t kMinTilesWithWholeU = 64;
constexpr int64_t kMinChannelProduct = 32;  // Cin Cout / (Cin + Cout): 32 for 64 x 64

}  // namespace

bool winogradApplies(const at::Tensor& x, const at::Tensor& weight, int64_t stride, int64_t padding, int64_t upsample) {
    if (stride != 1 || padding != 1 || x.dim() != 4 || weight.dim() != 4 || weight.size(2) != 3 || weight.size(3) != 3)
        return false;
    if (!x.device().is_cpu() || x.scalar_type() != at::kFloat || computeTypeOf(weight) != at::kFloat) return false;
    if (weight.size(1) != x.size(1)) return false;
    // The transforms cost in proportion to Cin + Cout per tile and the products to Cin x Cout: measured
    // (bench/conv_bench, README), the direct way wins below 4 tiles (the UNet's 1280 channels at 4x4, a 256x256
    // image's 8x8 level: 1 tile, 0.55x; 2 tiles even; at 8x8, 4 tiles, 1.1-1.5x) or 64 x 64 channels (the tiny
    // test models' 32 channels, a VAE's 3-channel ends). Where OpenBLAS multiplies, U is transformed whole
    // on every call, which paid from 64 tiles.
    const int64_t cin = weight.size(1), cout = weight.size(0);
    const int64_t tiles = x.size(0) * ((upsample * x.size(2) + 3) / 4) * ((upsample * x.size(3) + 3) / 4);
    const int64_t minTiles = kernels::winogradProductsPayOnThisCpu() ? kMinTiles : kMinTilesWithWholeU;
    return tiles >= minTiles && cin * cout >= kMinChannelProduct * (cin + cout);
}

at::Tensor winogradConv3x3(const at::Tensor& input, const at::Tensor& weight, const at::Tensor& bias,
                           WinogradProducts products) {
    const bool registerTiles = products == WinogradProducts::Fastest ? kernels::winogradProductsPayOnThisCpu()
                                                                     : products == WinogradProducts::RegisterTiles;
    const at::Tensor x = input.contiguous();
    const int64_t n = x.size(0), cin = x.size(1), h = x.size(2), w = x.size(3), cout = weight.size(0);
    const int64_t tileRows = (h + 3) / 4, tileCols = (w + 3) / 4, allRows = n * tileRows;
    const Kernels kernels(weight);
    const at::Tensor biasValues = bias.defined() ? bias.to(at::kFloat).contiguous() : at::zeros({cout});
    at::Tensor y = at::empty({n, cout, h, w}, x.options().memory_format(at::MemoryFormat::Contiguous));

    // A band is a run of tile rows, counted across the batch's images (a small image's tiles share one).
    const int64_t bytesPerTile = 36 * (cin + cout) * int64_t(sizeof(float));
    const int64_t bandTiles = std::max(kMinBandTiles, kBandBytes / bytesPerTile);
    const int64_t bandRows = std::clamp(bandTiles / tileCols, int64_t(1), allRows);
    const bool transformPerTask = registerTiles && bandRows == allRows &&
                                  kernels::winogradRowLength(allRows * tileCols) <= kFusedMaxTiles;
    const at::Tensor u = transformPerTask ? at::Tensor() : transformedKernels(kernels, cout, cin);
    const std::vector<float> zeros(size_t(w), 0.0f);
    const float* in = x.data_ptr<float>();
    float* out = y.data_ptr<float>();
    const float* biasData = biasValues.data_ptr<float>();

    for (int64_t firstRow = 0; firstRow < allRows; firstRow += bandRows) {
        const int64_t rowsHere = std::min(bandRows, allRows - firstRow), tiles = rowsHere * tileCols;
        // Rows of v and m: `width` columns computed (whole register tiles), ldt apart. Where rows lay 1 or 2
        // KiB apart (256 or 512 tiles: the VAE's 512-channel levels), one 16-tile panel's rows shared 4 or 2
        // sets of the L1 cache: products on one thread 78 against 85 and 65 against 83 GFLOP/s, the VAE's
        // 512-channel convolutions 5-10 % slower.
        const int64_t width = kernels::winogradRowLength(tiles);
        const int64_t ldt = registerTiles ? kernels::winogradRowStride(width) : width;
        at::Tensor v = at::empty({36, cin, ldt}, x.options());
        float* vData = v.data_ptr<float>();
        at::parallel_for(0, cin, 1, [&](int64_t begin, int64_t end) {
            std::vector<float> scratch(size_t(kernels::winogradInputScratch(w)));
            for (int64_t c = begin; c < end; ++c) {
                for (int64_t r = 0; r < rowsHere; ++r) {
                    const int64_t image = (firstRow + r) / tileRows, top = 4 * ((firstRow + r) % tileRows) - 1;
                    const float* plane = in + (image * cin + c) * h * w;
                    const float* rows[6];
                    for (int k = 0; k < 6; ++k)
                        rows[k] = top + k >= 0 && top + k < h ? plane + (top + k) * w : zeros.data();
                    kernels::winogradInputTileRow(rows, w, vData + c * ldt + r * tileCols, cin * ldt, scratch.data());
                }
                for (int k = 0; k < 36; ++k) std::fill_n(vData + (k * cin + c) * ldt + tiles, width - tiles, 0.0f);
            }
        });
        at::Tensor m = at::empty({36, cout, ldt}, x.options());
        if (transformPerTask) multiplyTransformingKernels(kernels, vData, m.data_ptr<float>(), cout, cin, width, ldt);
        else multiplyBand(u, vData, m.data_ptr<float>(), cout, cin, width, ldt, registerTiles);
        const float* mData = m.data_ptr<float>();
        at::parallel_for(0, cout, 1, [&](int64_t begin, int64_t end) {
            std::vector<float> scratch(size_t(kernels::winogradOutputScratch(w)));
            for (int64_t o = begin; o < end; ++o) {
                for (int64_t r = 0; r < rowsHere; ++r) {
                    const int64_t image = (firstRow + r) / tileRows, top = 4 * ((firstRow + r) % tileRows);
                    float* plane = out + (image * cout + o) * h * w;
                    float* rows[4];
                    for (int k = 0; k < 4; ++k) rows[k] = plane + std::min(top + k, h - 1) * w;
                    kernels::winogradOutputTileRow(mData + o * ldt + r * tileCols, cout * ldt, w, biasData[o], rows,
                                                   int(std::min<int64_t>(4, h - top)), scratch.data());
                }
            }
        });
    }
    return y;
}

at::Tensor convolve(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, int64_t stride,
                    int64_t padding) {
    if (winogradApplies(x, weight, stride, padding)) return winogradConv3x3(x, weight, bias);
    // A channels-last input (what a transformer block's output is) with a plain kernel: libtorch would copy
    // the kernel into channels-last on every call, 59 MB for SD's 1280-channel ones. Where the input is the
    // smaller of the two, it is the one made plain (10 % of such a convolution's time).
    const bool spatial = weight.size(2) * weight.size(3) > 1;
    const bool mixed = !x.is_contiguous() && x.is_contiguous(at::MemoryFormat::ChannelsLast) && weight.is_contiguous();
    const at::Tensor in = spatial && mixed && x.numel() < weight.numel() ? x.contiguous() : x;
    return at::conv2d(in, widenForCompute(weight), bias, {stride, stride}, {padding, padding});
}

}  // namespace tessera::engine
