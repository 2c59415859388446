#include "core/engine/compute/winograd_conv.h"

#include "core/engine/compute/weight_storage.h"
#include "core/engine/compute/winograd_kernels.h"
#include "core/engine/compute/winograd_products.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <vector>

namespace tessera::engine {

namespace {

// G of F(4x4, 3x3) (6 x 3).
constexpr double kG[6][3] = {{1.0 / 4, 0, 0},
                             {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                             {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                             {1.0 / 24, 1.0 / 12, 1.0 / 6},
                             {1.0 / 24, -1.0 / 12, 1.0 / 6},
                             {0, 0, 1}};

// The transformed kernels U [36, Cout, Cin]: U[6i + j][o][c] = (G g G^T)[i][j] for g = weight[o][c], as
// one product of (G kron G) [36 x 9] with the kernels as columns [9 x Cout Cin].
at::Tensor transformedKernels(const at::Tensor& weight) {
    static const at::Tensor gg = [] {
        at::Tensor t = at::empty({36, 9}, at::kDouble);
        auto a = t.accessor<double, 2>();
        for (int i = 0; i < 6; ++i)
            for (int j = 0; j < 6; ++j)
                for (int r = 0; r < 3; ++r)
                    for (int s = 0; s < 3; ++s) a[i * 6 + j][r * 3 + s] = kG[i][r] * kG[j][s];
        return t.to(at::kFloat);
    }();
    const at::Tensor w = widenForCompute(weight).contiguous();
    const int64_t cout = w.size(0), cin = w.size(1);
    return at::mm(gg, w.view({cout * cin, 9}).t()).view({36, cout, cin});
}

// Tiles per band: the transformed inputs of a band ([36, Cin, tiles]) and its products ([36, Cout, tiles])
// stay near the caches' size while each of the 36 products is still wide.
constexpr int64_t kBandBytes = int64_t(24) << 20;
constexpr int64_t kMinBandTiles = 256;

// The 36 products of a band, [Cout x Cin] x [Cin x ldt] each: by register tiles in tasks of up to 96
// output channels and 512 tiles (kernels::winogradProductBlock) where they pay, else by OpenBLAS.
constexpr int64_t kProductRows = 96;
constexpr int64_t kProductTiles = 512;

void multiplyBand(const float* u, const float* v, float* m, int64_t cout, int64_t cin, int64_t ldt) {
    if (!kernels::winogradProductsPayOnThisCpu()) {
        at::Tensor product = at::from_blob(m, {36, cout, ldt});
        at::bmm_out(product, at::from_blob(const_cast<float*>(u), {36, cout, cin}),
                    at::from_blob(const_cast<float*>(v), {36, cin, ldt}));
        return;
    }
    const int64_t rowBlocks = (cout + kProductRows - 1) / kProductRows, tileBlocks = (ldt + kProductTiles - 1) / kProductTiles;
    at::parallel_for(0, 36 * rowBlocks * tileBlocks, 1, [&](int64_t begin, int64_t end) {
        for (int64_t task = begin; task < end; ++task) {
            const int64_t k = task / (rowBlocks * tileBlocks), o0 = (task / tileBlocks % rowBlocks) * kProductRows,
                          t0 = task % tileBlocks * kProductTiles;
            kernels::winogradProductBlock(u, v, m, cout, cin, ldt, k, o0, std::min(cout, o0 + kProductRows), t0,
                                          std::min(ldt, t0 + kProductTiles));
        }
    });
}

constexpr int64_t kMinTiles = 32;
constexpr int64_t kMinChannelProduct = 32;  // Cin Cout / (Cin + Cout): 32 for 64 x 64

}  // namespace

bool winogradApplies(const at::Tensor& x, const at::Tensor& weight, int64_t stride, int64_t padding, int64_t upsample) {
    if (stride != 1 || padding != 1 || x.dim() != 4 || weight.dim() != 4 || weight.size(2) != 3 || weight.size(3) != 3)
        return false;
    if (!x.device().is_cpu() || x.scalar_type() != at::kFloat || computeTypeOf(weight) != at::kFloat) return false;
    if (weight.size(1) != x.size(1)) return false;
    // The transforms cost in proportion to Cin + Cout per tile, the products to Cin x Cout, and the kernel
    // transform to Cin x Cout once per call: measured by bench/conv_bench, the direct way wins below about
    // 32 tiles (the UNet's 1280 channels at 8x8: 0.5x; at 16x16 in a CFG batch of two, 32 tiles: 1.66x) or
    // 64 x 64 channels (the tiny test models' 32 channels, a VAE's 3-channel ends).
    const int64_t cin = weight.size(1), cout = weight.size(0);
    const int64_t tiles = x.size(0) * ((upsample * x.size(2) + 3) / 4) * ((upsample * x.size(3) + 3) / 4);
    return tiles >= kMinTiles && cin * cout >= kMinChannelProduct * (cin + cout);
}

at::Tensor winogradConv3x3(const at::Tensor& input, const at::Tensor& weight, const at::Tensor& bias) {
    const at::Tensor x = input.contiguous();
    const int64_t n = x.size(0), cin = x.size(1), h = x.size(2), w = x.size(3), cout = weight.size(0);
    const int64_t tileRows = (h + 3) / 4, tileCols = (w + 3) / 4;
    const at::Tensor u = transformedKernels(weight);
    const at::Tensor biasValues = bias.defined() ? bias.to(at::kFloat).contiguous() : at::zeros({cout});
    at::Tensor y = at::empty({n, cout, h, w}, x.options().memory_format(at::MemoryFormat::Contiguous));

    const int64_t bytesPerTile = 36 * (cin + cout) * int64_t(sizeof(float));
    const int64_t bandTiles = std::max(kMinBandTiles, kBandBytes / bytesPerTile);
    const int64_t bandRows = std::clamp(bandTiles / tileCols, int64_t(1), tileRows);
    const std::vector<float> zeros(size_t(w), 0.0f);
    const float* in = x.data_ptr<float>();
    float* out = y.data_ptr<float>();
    const float* biasData = biasValues.data_ptr<float>();

    for (int64_t image = 0; image < n; ++image) {
        for (int64_t firstRow = 0; firstRow < tileRows; firstRow += bandRows) {
            const int64_t rowsHere = std::min(bandRows, tileRows - firstRow), tiles = rowsHere * tileCols;
            const int64_t ldt = kernels::winogradRowLength(tiles);
            at::Tensor v = at::empty({36, cin, ldt}, x.options());
            float* vData = v.data_ptr<float>();
            at::parallel_for(0, cin, 1, [&](int64_t begin, int64_t end) {
                std::vector<float> scratch(size_t(kernels::winogradInputScratch(w)));
                for (int64_t c = begin; c < end; ++c) {
                    const float* plane = in + (image * cin + c) * h * w;
                    for (int64_t r = 0; r < rowsHere; ++r) {
                        const float* rows[6];
                        for (int k = 0; k < 6; ++k) {
                            const int64_t y0 = 4 * (firstRow + r) - 1 + k;
                            rows[k] = y0 >= 0 && y0 < h ? plane + y0 * w : zeros.data();
                        }
                        kernels::winogradInputTileRow(rows, w, vData + c * ldt + r * tileCols, cin * ldt, scratch.data());
                    }
                    for (int k = 0; k < 36; ++k) std::fill_n(vData + (k * cin + c) * ldt + tiles, ldt - tiles, 0.0f);
                }
            });
            at::Tensor m = at::empty({36, cout, ldt}, x.options());
            multiplyBand(u.data_ptr<float>(), vData, m.data_ptr<float>(), cout, cin, ldt);
            const float* mData = m.data_ptr<float>();
            at::parallel_for(0, cout, 1, [&](int64_t begin, int64_t end) {
                std::vector<float> scratch(size_t(kernels::winogradOutputScratch(w)));
                for (int64_t o = begin; o < end; ++o) {
                    float* plane = out + (image * cout + o) * h * w;
                    for (int64_t r = 0; r < rowsHere; ++r) {
                        const int64_t top = 4 * (firstRow + r);
                        float* rows[4];
                        for (int k = 0; k < 4; ++k) rows[k] = plane + std::min(top + k, h - 1) * w;
                        kernels::winogradOutputTileRow(mData + o * ldt + r * tileCols, cout * ldt, w, biasData[o], rows,
                                                       int(std::min<int64_t>(4, h - top)), scratch.data());
                    }
                }
            });
        }
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
