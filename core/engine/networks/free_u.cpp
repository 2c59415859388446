#include "core/engine/networks/free_u.h"

#include <ATen/ATen.h>

#include <algorithm>

namespace tessera::engine {
namespace {

// Python's slice [start:stop] of a length-n axis (negative starts count from the end).
std::pair<int64_t, int64_t> pythonSlice(int64_t start, int64_t stop, int64_t n) {
    if (start < 0) start = std::max<int64_t>(start + n, 0);
    if (stop < 0) stop = std::max<int64_t>(stop + n, 0);
    start = std::min(start, n);
    stop = std::min(stop, n);
    return {start, std::max(start, stop)};
}

}  // namespace

at::Tensor freeUFourierFilter(const at::Tensor& x, int64_t threshold, double scale) {
    TORCH_CHECK(x.dim() == 4, "FreeU's filter takes [B, C, H, W], got ", x.sizes());
    const std::vector<int64_t> dims{-2, -1};
    at::Tensor spectrum = at::fft_fftshift(at::fft_fftn(x.to(at::kFloat), c10::nullopt, dims), dims);
    const int64_t height = spectrum.size(2), width = spectrum.size(3);
    const int64_t crow = height / 2, ccol = width / 2;
    at::Tensor mask = at::ones(spectrum.sizes(), x.options().dtype(at::kFloat));
    const auto [rowBegin, rowEnd] = pythonSlice(crow - threshold, crow + threshold, height);
    const auto [colBegin, colEnd] = pythonSlice(ccol - threshold, ccol + threshold, width);
    mask.narrow(2, rowBegin, rowEnd - rowBegin).narrow(3, colBegin, colEnd - colBegin).fill_(scale);
    spectrum = at::fft_ifftshift(spectrum * mask, dims);
    return at::real(at::fft_ifftn(spectrum, c10::nullopt, dims)).to(x.scalar_type());
}

void applyFreeU(const FreeU& settings, int64_t modelChannels, at::Tensor& h, at::Tensor& skip) {
    const int64_t channels = h.size(1);
    double backbone = 0, skipScale = 0;
    if (channels == modelChannels * 4) {
        backbone = settings.b1;
        skipScale = settings.s1;
    } else if (channels == modelChannels * 2) {
        backbone = settings.b2;
        skipScale = settings.s2;
    } else {
        return;
    }
    at::Tensor half = h.narrow(1, 0, channels / 2);
    if (settings.v2) {
        // The factor per pixel: 1 where the mean feature is lowest in the image, `backbone` where highest.
        at::Tensor mean = h.mean(1).unsqueeze(1);
        const int64_t batch = mean.size(0);
        const at::Tensor flat = mean.view({batch, -1});
        const at::Tensor highest = std::get<0>(flat.max(-1, true)).unsqueeze(2).unsqueeze(3);
        const at::Tensor lowest = std::get<0>(flat.min(-1, true)).unsqueeze(2).unsqueeze(3);
        mean = (mean - lowest) / (highest - lowest);
        half.copy_(half * ((backbone - 1) * mean + 1));
    } else {
        half.copy_(half * backbone);
    }
    skip = freeUFourierFilter(skip, 1, skipScale);
}

}  // namespace tessera::engine
