#include "core/engine/compute/fused_ops.h"

#include "core/common/error.h"
#include "core/engine/compute/cpu_kernels.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <cmath>
#include <vector>

namespace tessera::engine::fused {

namespace {

using kernels::bf16;

bool isReduced(const at::Tensor& x) { return x.scalar_type() == at::kHalf || x.scalar_type() == at::kBFloat16; }

template <class T>
const T* dataOf(const at::Tensor& t) {
    return reinterpret_cast<const T*>(t.data_ptr());
}
template <class T>
T* mutableDataOf(at::Tensor& t) {
    return reinterpret_cast<T*>(t.data_ptr());
}

at::Tensor floatVector(const at::Tensor& t) { return t.to(at::kFloat).contiguous(); }

at::Tensor groupNormFallback(const at::Tensor& x, int64_t groups, const at::Tensor& weight, const at::Tensor& bias,
                             double eps, bool silu, const at::Tensor& channelOffset) {
    at::Tensor in = channelOffset.defined()
                        ? x + channelOffset.to(x.scalar_type()).reshape({x.size(0), x.size(1), 1, 1})
                        : x;
    at::Tensor y = isReduced(in)
                       ? at::group_norm(in.to(at::kFloat), groups, weight.to(at::kFloat), bias.to(at::kFloat), eps)
                             .to(x.scalar_type())
                       : at::group_norm(in, groups, weight.to(in.scalar_type()), bias.to(in.scalar_type()), eps);
    return silu ? at::silu_(y) : y;
}

// Per-channel statistics over the pixels of one image stored [HW, C]: row sums in float32, flushed
// into double every kFlushRows rows so that long images keep their precision.
constexpr int64_t kFlushRows = 256;

template <class T, class RowFn>
std::vector<double> channelSums(const T* x, int64_t rows, int64_t channels, RowFn addRowTo) {
    // One partial sum per block of kFlushRows rows, added up in block order afterwards: the same
    // result whichever thread ran which block.
    const int64_t blocks = (rows + kFlushRows - 1) / kFlushRows;
    std::vector<double> partials(static_cast<size_t>(blocks * channels), 0.0);
    at::parallel_for(0, blocks, 1, [&](int64_t begin, int64_t end) {
        std::vector<float> partial(static_cast<size_t>(channels));
        for (int64_t block = begin; block < end; ++block) {
            std::fill(partial.begin(), partial.end(), 0.0f);
            const int64_t r1 = std::min(rows, (block + 1) * kFlushRows);
            for (int64_t r = block * kFlushRows; r < r1; ++r) addRowTo(x + r * channels, partial.data());
            std::copy(partial.begin(), partial.end(), partials.begin() + block * channels);
        }
    });
    std::vector<double> total(static_cast<size_t>(channels), 0.0);
    for (int64_t block = 0; block < blocks; ++block)
        for (int64_t c = 0; c < channels; ++c) total[size_t(c)] += partials[size_t(block * channels + c)];
    return total;
}

// Sums channel values into their groups, divided by the group's element count.
std::vector<float> groupMeans(const std::vector<double>& channelTotals, int64_t groups, int64_t count) {
    const int64_t perGroup = int64_t(channelTotals.size()) / groups;
    std::vector<float> means(static_cast<size_t>(groups));
    for (int64_t g = 0; g < groups; ++g) {
        double s = 0;
        for (int64_t c = g * perGroup; c < (g + 1) * perGroup; ++c) s += channelTotals[size_t(c)];
        means[size_t(g)] = float(s / double(count));
    }
    return means;
}

template <class T>
void groupNormChannelsLast(const at::Tensor& x, int64_t groups, const float* weight, const float* bias, double eps,
                           bool silu, const float* offsets, at::Tensor& y) {
    const int64_t n = x.size(0), channels = x.size(1), rows = x.size(2) * x.size(3);
    const int64_t perGroup = channels / groups;
    for (int64_t b = 0; b < n; ++b) {
        const T* in = dataOf<T>(x) + b * rows * channels;
        T* out = mutableDataOf<T>(y) + b * rows * channels;
        const float* offset = offsets ? offsets + b * channels : nullptr;

        const auto sums = channelSums(in, rows, channels, [&](const T* row, float* acc) {
            kernels::addRow(row, offset, channels, acc);
        });
        const std::vector<float> mean = groupMeans(sums, groups, perGroup * rows);
        std::vector<float> channelMean(static_cast<size_t>(channels));
        for (int64_t c = 0; c < channels; ++c) channelMean[size_t(c)] = mean[size_t(c / perGroup)];

        const auto squares = channelSums(in, rows, channels, [&](const T* row, float* acc) {
            kernels::addSquaredDeviationRow(row, offset, channelMean.data(), channels, acc);
        });
        const std::vector<float> variance = groupMeans(squares, groups, perGroup * rows);
        std::vector<float> scale(static_cast<size_t>(channels)), shift(static_cast<size_t>(channels));
        for (int64_t c = 0; c < channels; ++c) {
            const float rstd = float(1.0 / std::sqrt(double(variance[size_t(c / perGroup)]) + eps));
            scale[size_t(c)] = rstd * weight[c];
            shift[size_t(c)] = bias[c] - channelMean[size_t(c)] * scale[size_t(c)];
        }
        at::parallel_for(0, rows, 64, [&](int64_t begin, int64_t end) {
            for (int64_t r = begin; r < end; ++r)
                kernels::scaleShiftRow(in + r * channels, offset, scale.data(), shift.data(), channels, silu,
                                       out + r * channels);
        });
    }
}

template <class T>
void groupNormContiguous(const at::Tensor& x, int64_t groups, const float* weight, const float* bias, double eps,
                         bool silu, const float* offsets, at::Tensor& y) {
    const int64_t n = x.size(0), channels = x.size(1), plane = x.size(2) * x.size(3);
    const int64_t perGroup = channels / groups;
    const T* in = dataOf<T>(x);
    T* out = mutableDataOf<T>(y);
    at::parallel_for(0, n * groups, 1, [&](int64_t begin, int64_t end) {
        for (int64_t task = begin; task < end; ++task) {
            const int64_t b = task / groups, c0 = (task % groups) * perGroup;
            auto offsetOf = [&](int64_t c) { return offsets ? offsets[b * channels + c] : 0.0f; };
            auto planeOf = [&](int64_t c) { return (b * channels + c) * plane; };
            double sum = 0;
            for (int64_t c = c0; c < c0 + perGroup; ++c) sum += kernels::planeSum(in + planeOf(c), offsetOf(c), plane);
            const float mean = float(sum / double(perGroup * plane));
            double squares = 0;
            for (int64_t c = c0; c < c0 + perGroup; ++c)
                squares += kernels::planeSquaredDeviation(in + planeOf(c), offsetOf(c), mean, plane);
            const float rstd = float(1.0 / std::sqrt(squares / double(perGroup * plane) + eps));
            for (int64_t c = c0; c < c0 + perGroup; ++c) {
                const float scale = rstd * weight[c];
                kernels::scaleShiftPlane(in + planeOf(c), offsetOf(c), scale, bias[c] - mean * scale, plane, silu,
                                         out + planeOf(c));
            }
        }
    });
}

}  // namespace

bool supported(const at::Tensor& x) {
    return x.device().is_cpu() && (x.scalar_type() == at::kFloat || x.scalar_type() == at::kBFloat16) &&
           !x.requires_grad();
}

at::Tensor groupNorm(const at::Tensor& x, int64_t groups, const at::Tensor& weight, const at::Tensor& bias, double eps,
                     bool silu, const at::Tensor& channelOffset) {
    if (x.dim() != 4 || groups <= 0 || x.size(1) % groups != 0 || weight.numel() != x.size(1) ||
        bias.numel() != x.size(1))
        throw Error("group norm: expected [N, C, H, W] with C a multiple of " + std::to_string(groups) +
                    " and " + std::to_string(x.dim() == 4 ? x.size(1) : 0) + " weights, got input " +
                    std::string(c10::str(x.sizes())) + " and " + std::to_string(weight.numel()) + " weights");
    if (channelOffset.defined() && channelOffset.numel() != x.size(0) * x.size(1))
        throw Error("group norm: the channel offset has " + std::to_string(channelOffset.numel()) +
                    " values for " + std::string(c10::str(x.sizes().slice(0, 2))) + " channels");
    if (!supported(x) || x.numel() == 0) return groupNormFallback(x, groups, weight, bias, eps, silu, channelOffset);

    const bool channelsLast = !x.is_contiguous() && x.is_contiguous(at::MemoryFormat::ChannelsLast);
    const at::Tensor in = channelsLast ? x : x.contiguous();
    at::Tensor y = at::empty(in.sizes(), in.options(),
                             channelsLast ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous);
    const at::Tensor w = floatVector(weight), b = floatVector(bias);
    const at::Tensor offsets = channelOffset.defined() ? floatVector(channelOffset) : at::Tensor();
    const float* off = offsets.defined() ? offsets.data_ptr<float>() : nullptr;
    const float* wp = w.data_ptr<float>();
    const float* bp = b.data_ptr<float>();
    if (in.scalar_type() == at::kBFloat16) {
        if (channelsLast) groupNormChannelsLast<bf16>(in, groups, wp, bp, eps, silu, off, y);
        else groupNormContiguous<bf16>(in, groups, wp, bp, eps, silu, off, y);
    } else {
        if (channelsLast) groupNormChannelsLast<float>(in, groups, wp, bp, eps, silu, off, y);
        else groupNormContiguous<float>(in, groups, wp, bp, eps, silu, off, y);
    }
    return y;
}

at::Tensor layerNorm(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, double eps) {
    const int64_t width = x.dim() >= 1 ? x.size(-1) : 0;
    if (width == 0 || weight.numel() != width || bias.numel() != width)
        throw Error("layer norm: " + std::to_string(weight.numel()) + " weights for an input of shape " +
                    std::string(c10::str(x.sizes())));
    if (!supported(x)) {
        if (!isReduced(x)) return at::layer_norm(x, {width}, weight.to(x.scalar_type()), bias.to(x.scalar_type()), eps);
        return at::layer_norm(x.to(at::kFloat), {width}, weight.to(at::kFloat), bias.to(at::kFloat), eps)
            .to(x.scalar_type());
    }
    const at::Tensor in = x.contiguous(), w = floatVector(weight), b = floatVector(bias);
    at::Tensor out = at::empty(in.sizes(), in.options());
    const int64_t rows = in.numel() / width;
    const float* wp = w.data_ptr<float>();
    const float* bp = b.data_ptr<float>();
    at::parallel_for(0, rows, 16, [&](int64_t begin, int64_t end) {
        std::vector<float> scale(static_cast<size_t>(width)), shift(static_cast<size_t>(width));
        auto normalise = [&](const auto* row, auto* outRow) {
            const float mean = kernels::planeSum(row, 0.0f, width) / float(width);
            const float variance = kernels::planeSquaredDeviation(row, 0.0f, mean, width) / float(width);
            const float rstd = float(1.0 / std::sqrt(double(variance) + eps));
            for (int64_t c = 0; c < width; ++c) {
                scale[size_t(c)] = rstd * wp[c];
                shift[size_t(c)] = bp[c] - mean * scale[size_t(c)];
            }
            kernels::scaleShiftRow(row, nullptr, scale.data(), shift.data(), width, false, outRow);
        };
        for (int64_t r = begin; r < end; ++r) {
            if (in.scalar_type() == at::kBFloat16)
                normalise(dataOf<bf16>(in) + r * width, mutableDataOf<bf16>(out) + r * width);
            else
                normalise(dataOf<float>(in) + r * width, mutableDataOf<float>(out) + r * width);
        }
    });
    return out;
}

void convertInto(const at::Tensor& src, at::Tensor& dst) {
    const at::ScalarType from = src.scalar_type(), to = dst.scalar_type();
    const bool cpu = src.device().is_cpu() && dst.device().is_cpu() && dst.is_contiguous() && src.is_contiguous();
    const bool known = (from == at::kHalf && (to == at::kFloat || to == at::kBFloat16)) ||
                       (from == at::kFloat && to == at::kBFloat16) || (from == at::kBFloat16 && to == at::kFloat);
    if (!cpu || !known || src.numel() != dst.numel()) {
        dst.copy_(src.reshape(dst.sizes()));
        return;
    }
    const void* in = src.data_ptr();
    void* out = dst.data_ptr();
    at::parallel_for(0, src.numel(), int64_t(1) << 16, [&](int64_t begin, int64_t end) {
        const int64_t n = end - begin;
        if (from == at::kHalf && to == at::kFloat)
            kernels::halfToFloatRow(static_cast<const uint16_t*>(in) + begin, n, static_cast<float*>(out) + begin);
        else if (from == at::kHalf)
            kernels::halfToBf16Row(static_cast<const uint16_t*>(in) + begin, n, static_cast<bf16*>(out) + begin);
        else if (from == at::kFloat)
            kernels::floatToBf16Row(static_cast<const float*>(in) + begin, n, static_cast<bf16*>(out) + begin);
        else
            kernels::bf16ToFloatRow(static_cast<const bf16*>(in) + begin, n, static_cast<float*>(out) + begin);
    });
}

at::Tensor geglu(const at::Tensor& projected) {
    if (projected.dim() < 1 || projected.size(-1) % 2 != 0)
        throw Error("GEGLU: the last dimension must be even, got " + std::string(c10::str(projected.sizes())));
    if (!supported(projected)) {
        const auto parts = projected.chunk(2, -1);
        return parts[0] * at::gelu(parts[1]);
    }
    const at::Tensor in = projected.contiguous();
    const int64_t width = in.size(-1) / 2, rows = width == 0 ? 0 : in.numel() / (2 * width);
    std::vector<int64_t> shape(in.sizes().begin(), in.sizes().end());
    shape.back() = width;
    at::Tensor out = at::empty(shape, in.options());
    at::parallel_for(0, rows, 16, [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
            if (in.scalar_type() == at::kBFloat16) {
                const bf16* row = dataOf<bf16>(in) + r * 2 * width;
                kernels::gegluRow(row, row + width, width, mutableDataOf<bf16>(out) + r * width);
            } else {
                const float* row = dataOf<float>(in) + r * 2 * width;
                kernels::gegluRow(row, row + width, width, mutableDataOf<float>(out) + r * width);
            }
        }
    });
    return out;
}

}  // namespace tessera::engine::fused
