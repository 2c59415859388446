#include "core/engine/sampling/align_your_steps.h"

#include "core/common/error.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace tessera::engine {
namespace {

using NoiseLevels = std::array<double, 11>;

// The published 10-step schedules (sigma_max first).
const NoiseLevels& noiseLevels(const std::string& modelType) {
    static const NoiseLevels sd1 = {14.6146412293, 6.4745760956, 3.8636745985, 2.6946151520, 1.8841921177, 1.3943805092,
                                    0.9642583904,  0.6523686016, 0.3977456272, 0.1515232662, 0.0291671582};
    static const NoiseLevels sdxl = {14.6146412293, 6.3184485287, 3.7681790315, 2.1811480769, 1.3405244945, 0.8620721141,
                                     0.5550693289,  0.3798540708, 0.2332364134, 0.1114188177, 0.0291671582};
    static const NoiseLevels svd = {700.00, 54.5, 15.886, 7.977, 4.248, 1.789, 0.981, 0.403, 0.173, 0.034, 0.002};
    if (modelType == "SD1") return sd1;
    if (modelType == "SDXL") return sdxl;
    if (modelType == "SVD") return svd;
    throw Error("AlignYourStepsScheduler: unknown model_type '" + modelType + "'; use SD1, SDXL or SVD");
}

// numpy.linspace(0, 1, n): i * (1 / (n - 1)), the last exactly 1.
std::vector<double> unitLinspace(int64_t n) {
    std::vector<double> xs(size_t(n), 0.0);
    const double step = n > 1 ? 1.0 / double(n - 1) : 0.0;
    for (int64_t i = 0; i < n; ++i) xs[size_t(i)] = double(i) * step;
    if (n > 1) xs.back() = 1.0;
    return xs;
}

// numpy.interp(x, xp, fp) for increasing xp, x within [xp[0], xp[-1]].
double interp(double x, const std::vector<double>& xp, const std::vector<double>& fp) {
    if (x >= xp.back()) return fp.back();
    const size_t j = size_t(std::upper_bound(xp.begin(), xp.end(), x) - xp.begin()) - 1;
    const double slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
    return slope * (x - xp[j]) + fp[j];
}

// The node's loglinear_interp: log sigmas in increasing order, interpolated at `count` points, reversed.
std::vector<double> logLinearInterp(const NoiseLevels& levels, int64_t count) {
    std::vector<double> ys(levels.size());
    for (size_t i = 0; i < levels.size(); ++i) ys[i] = std::log(levels[levels.size() - 1 - i]);
    const std::vector<double> xs = unitLinspace(int64_t(levels.size())), at = unitLinspace(count);
    std::vector<double> out(static_cast<size_t>(count), 0.0);
    for (int64_t i = 0; i < count; ++i) out[size_t(count - 1 - i)] = std::exp(interp(at[size_t(i)], xs, ys));
    return out;
}

}  // namespace

const std::vector<std::string>& alignYourStepsModelTypes() {
    static const std::vector<std::string> names = {"SD1", "SDXL", "SVD"};
    return names;
}

at::Tensor alignYourStepsSigmas(const std::string& modelType, int steps, double denoise) {
    const NoiseLevels& levels = noiseLevels(modelType);
    if (steps < 1) throw Error("AlignYourStepsScheduler: steps must be at least 1 (got " + std::to_string(steps) + ")");
    int64_t total = steps;
    if (denoise < 1.0) {
        if (denoise <= 0.0) return at::empty({0}, at::kFloat);
        total = static_cast<int64_t>(std::nearbyint(steps * denoise));  // Python's round: half to even
    }
    const std::vector<double> sigmas =
        steps + 1 == int64_t(levels.size()) ? std::vector<double>(levels.begin(), levels.end())
                                            : logLinearInterp(levels, steps + 1);
    const int64_t keep = std::min<int64_t>(total + 1, int64_t(sigmas.size()));
    at::Tensor out = at::empty({keep}, at::kFloat);
    float* p = out.data_ptr<float>();
    for (int64_t i = 0; i < keep; ++i) p[i] = static_cast<float>(sigmas[sigmas.size() - size_t(keep) + size_t(i)]);
    p[keep - 1] = 0.0f;
    return out;
}

}  // namespace tessera::engine
