// Multistep samplers on the Karras ODE derivative d = (x - x0) / sigma, from zju-pi's diff-solvers as
// ComfyUI ships them: ipndm (fixed Adams-Bashforth weights), ipndm_v (variable-step weights) and deis
// (tab mode: weights integrated over a VP schedule fitted to EDM's sigma range).
#include "core/engine/sampling/sampler_steps.h"

#include <ATen/ATen.h>

#include <cmath>
#include <deque>

namespace tessera::engine::detail {
namespace {

constexpr int kIpndmMaxOrder = 4;
constexpr int kDeisMaxOrder = 3;

// The derivatives of the last steps, newest last (at most maxOrder - 1 kept).
class DerivativeHistory {
public:
    explicit DerivativeHistory(int maxOrder) : capacity_(static_cast<size_t>(maxOrder - 1)) {}
    const at::Tensor& back(int k) const { return items_[items_.size() - 1 - static_cast<size_t>(k)]; }  // k = 0: newest
    void push(const at::Tensor& d) {
        items_.push_back(d);
        if (items_.size() > capacity_) items_.pop_front();
    }

private:
    size_t capacity_;
    std::deque<at::Tensor> items_;
};

// ipndm_v's weights for the current derivative and up to three older ones (zju-pi's closed forms).
std::vector<double> variableStepIpndmWeights(int order, const std::vector<double>& s, int i) {
    const double hn = s[i + 1] - s[i];
    if (order == 2) {
        const double hn1 = s[i] - s[i - 1];
        return {(2 + hn / hn1) / 2, -(hn / hn1) / 2};
    }
    const double hn1 = s[i] - s[i - 1], hn2 = s[i - 1] - s[i - 2];
    const double temp1 = (1 - hn / (3 * (hn + hn1)) * (hn * (hn + hn1)) / (hn1 * (hn1 + hn2))) / 2;
    if (order == 3)
        return {(2 + hn / hn1) / 2 + temp1, -(hn / hn1) / 2 - (1 + hn1 / hn2) * temp1, temp1 * hn1 / hn2};
    const double hn3 = s[i - 2] - s[i - 3];
    const double temp2 = ((1 - hn / (3 * (hn + hn1))) / 2 + (1 - hn / (2 * (hn + hn1))) * hn / (6 * (hn + hn1 + hn2))) *
                         (hn * (hn + hn1) * (hn + hn1 + hn2)) / (hn1 * (hn1 + hn2) * (hn1 + hn2 + hn3));
    const double ratio = hn1 * (hn1 + hn2) / (hn2 * (hn2 + hn3));
    return {(2 + hn / hn1) / 2 + temp1 + temp2,
            -(hn / hn1) / 2 - (1 + hn1 / hn2) * temp1 - (1 + hn1 / hn2 + ratio) * temp2,
            temp1 * hn1 / hn2 + (hn1 / hn2 + ratio * (1 + hn2 / hn3)) * temp2,
            -temp2 * ratio * hn1 / hn2};
}

std::vector<double> fixedStepIpndmWeights(int order) {
    switch (order) {
    case 2: return {3.0 / 2, -1.0 / 2};
    case 3: return {23.0 / 12, -16.0 / 12, 5.0 / 12};
    default: return {55.0 / 24, -59.0 / 24, 37.0 / 24, -9.0 / 24};
    }
}

std::vector<double> multistepSigmas(const SamplerRun& run) {
    std::vector<double> s;
    for (int i = 0; i <= run.steps(); ++i) s.push_back(run.sigma(i));
    return s;
}

at::Tensor sampleIpndmWith(SamplerRun& run, at::Tensor x, bool variableStep) {
    const std::vector<double> s = multistepSigmas(run);
    DerivativeHistory history(kIpndmMaxOrder);
    for (int i = 0; i < run.steps(); ++i) {
        const at::Tensor denoised = run.startStep(i, x);
        const at::Tensor d = toD(x, s[i], denoised);
        const int order = std::min(kIpndmMaxOrder, i + 1);
        if (s[i + 1] == 0) {
            x = denoised;
        } else if (order == 1) {
            x = x + d * (s[i + 1] - s[i]);
        } else {
            const std::vector<double> w = variableStep ? variableStepIpndmWeights(order, s, i) : fixedStepIpndmWeights(order);
            at::Tensor slope = d * w[0];
            for (int k = 1; k < order; ++k) slope = slope + history.back(k - 1) * w[static_cast<size_t>(k)];
            x = x + slope * (s[i + 1] - s[i]);
        }
        history.push(d);
    }
    return x;
}

// DEIS's VP schedule: beta_min and beta_max fitted so that sigma(1e-3) = 0.002 and sigma(1) = 80. ComfyUI
// takes log(1 + 0.002^2) / 1e-3 on float32 (the rest in float64); its rounding moves the weights by ~1e-6.
struct DeisVpSchedule {
    double betaD, betaMin, betaMax;  // betaMax = betaD + betaMin, kept as ComfyUI rounds it

    static DeisVpSchedule edm() {
        const float smallEnd = std::log(0.002f * 0.002f + 1.0f) / 1e-3f;
        const double largeEnd = std::log(80.0 * 80.0 + 1);
        const double betaD = 2 * (static_cast<double>(smallEnd) - largeEnd) / (1e-3 - 1);
        const double betaMin = largeEnd - 0.5 * betaD;
        return {betaD, betaMin, betaD + betaMin};
    }
    double timeOf(double sigma) const {
        return (std::sqrt(betaMin * betaMin + 2 * betaD * std::log(sigma * sigma + 1)) - betaMin) / betaD;
    }
    // -0.5 d(log alpha)/dt / sqrt(alpha (1 - alpha)), the exponential integrator's kernel in t.
    double integrand(double t) const {
        const double logAlpha = -0.5 * t * t * (betaMax - betaMin) - t * betaMin;
        const double alpha = std::exp(logAlpha);
        return -0.5 * (-t * (betaMax - betaMin) - betaMin) / std::sqrt(alpha * (1 - alpha));
    }
};

// DEIS weights of step i: the Lagrange basis on the last `order` times integrated against the kernel with
// ComfyUI's rule (10000 evenly spaced points including both ends, summed, times (t_next - t) / 10000).
std::vector<double> deisWeights(const DeisVpSchedule& vp, const std::vector<double>& t, int i, int order) {
    constexpr int n = 10000;
    const double from = t[i], to = t[i + 1];
    std::vector<double> weights(static_cast<size_t>(order), 0.0);
    for (int p = 0; p < n; ++p) {
        const double tau = p == n - 1 ? to : from + (to - from) * p / (n - 1);
        const double kernel = vp.integrand(tau);
        for (int j = 0; j < order; ++j) {
            double poly = 1;
            for (int k = 0; k < order; ++k)
                if (k != j) poly *= (tau - t[i - k]) / (t[i - j] - t[i - k]);
            weights[static_cast<size_t>(j)] += kernel * poly;
        }
    }
    for (double& w : weights) w *= (to - from) / n;
    return weights;
}

}  // namespace

at::Tensor sampleIpndm(SamplerRun& run, at::Tensor x) { return sampleIpndmWith(run, std::move(x), false); }
at::Tensor sampleIpndmV(SamplerRun& run, at::Tensor x) { return sampleIpndmWith(run, std::move(x), true); }

at::Tensor sampleDeis(SamplerRun& run, at::Tensor x) {
    const std::vector<double> s = multistepSigmas(run);
    const DeisVpSchedule vp = DeisVpSchedule::edm();
    std::vector<double> t;
    for (double sigma : s) t.push_back(vp.timeOf(sigma));
    DerivativeHistory history(kDeisMaxOrder);
    for (int i = 0; i < run.steps(); ++i) {
        const at::Tensor denoised = run.startStep(i, x);
        const at::Tensor d = toD(x, s[i], denoised);
        const int order = s[i + 1] <= 0 ? 1 : std::min(kDeisMaxOrder, i + 1);
        if (order == 1) {
            x = x + d * (s[i + 1] - s[i]);
        } else {
            const std::vector<double> w = deisWeights(vp, t, i, order);
            x = x + d * w[0];
            for (int k = 1; k < order; ++k) x = x + history.back(k - 1) * w[static_cast<size_t>(k)];
        }
        history.push(d);
    }
    return x;
}

}  // namespace tessera::engine::detail
