// Stochastic exponential solvers in data prediction on lambda = -log(sigma), as ComfyUI runs them for eps
// and v models (alpha = 1 in k-diffusion's VE space): SEEDS-2 and SEEDS-3 (arXiv 2305.14267, eta 1), the
// exponential Heun exp_heun_2_x0(_sde) (SEEDS-2 with r = 1) and
// ER-SDE-Solver-3 (arXiv 2309.06169). Their noise is plain Gaussian draws in ComfyUI too, so a seed gives
// ComfyUI's numbers.
#include "core/engine/sampling/sampler_steps.h"

#include <ATen/ATen.h>

#include <cmath>
#include <optional>

namespace tessera::engine::detail {
namespace {

double seedsTorchLerp(double a, double b, double w) { return w < 0.5 ? a + w * (b - a) : b - (b - a) * (1 - w); }
double seedsHPhi1(double h) { return std::expm1(h); }
double seedsHPhi2(double h) { return (std::expm1(h) - h) / h; }

// Noise kept across a step's stages: each stage decays it by e^{f} and adds sqrt(1 - e^{2f}) fresh noise.
void carrySeedsNoise(SamplerRun& run, at::Tensor& sdeNoise, double segmentFactor) {
    sdeNoise = sdeNoise * std::exp(segmentFactor) + run.noise(sdeNoise) * std::sqrt(-std::expm1(2 * segmentFactor));
}

// The sub-step sigma a fraction r of the way in lambda from sigma to next.
double seedsStageSigma(double sigma, double next, double r) {
    return std::exp(-seedsTorchLerp(-std::log(sigma), -std::log(next), r));
}

}  // namespace

namespace {

// SEEDS-2 as ComfyUI's sample_seeds_2: the stage a fraction r of the way in lambda, noise strength eta (0: no
// noise drawn), the final combination by phi_1 (the stage estimates mixed) or phi_2 weights.
at::Tensor runSeeds2(SamplerRun& run, at::Tensor x, double eta, double r, bool phi2) {
    const bool injectNoise = eta > 0;
    for (int i = 0; i < run.steps(); ++i) {
        const double sigma = run.sigma(i), next = run.sigma(i + 1);
        const at::Tensor denoised = run.startStep(i, x);
        if (next == 0) {
            x = denoised;
            continue;
        }
        const double h = std::log(sigma) - std::log(next), hEta = h * (eta + 1);
        const double sigma1 = seedsStageSigma(sigma, next, r);
        at::Tensor x2 = x * (sigma1 / sigma * std::exp(-r * h * eta)) - denoised * seedsHPhi1(-r * hEta);
        at::Tensor sdeNoise;
        if (injectNoise) {
            sdeNoise = run.noise(x) * std::sqrt(-std::expm1(-2 * r * h * eta));
            x2 = x2 + sdeNoise * sigma1;
        }
        const at::Tensor denoised2 = run.denoise(x2, sigma1);
        if (phi2) {
            const double b2 = seedsHPhi2(-hEta) / r, b1 = seedsHPhi1(-hEta) - b2;
            x = x * (next / sigma * std::exp(-h * eta)) - (denoised * b1 + denoised2 * b2);
        } else {
            const at::Tensor mixed = at::lerp(denoised, denoised2, 1 / (2 * r));
            x = x * (next / sigma * std::exp(-h * eta)) - mixed * seedsHPhi1(-hEta);
        }
        if (injectNoise) {
            carrySeedsNoise(run, sdeNoise, (r - 1) * h * eta);
            x = x + sdeNoise * next;
        }
    }
    return x;
}

}  // namespace

at::Tensor sampleSeeds2(SamplerRun& run, at::Tensor x) { return runSeeds2(run, std::move(x), 1.0, 0.5, false); }
// ComfyUI's exponential Heun in x0 form: SEEDS-2 with its stage at the step's end.
at::Tensor sampleExpHeun2X0(SamplerRun& run, at::Tensor x) { return runSeeds2(run, std::move(x), 0.0, 1.0, true); }
at::Tensor sampleExpHeun2X0Sde(SamplerRun& run, at::Tensor x) { return runSeeds2(run, std::move(x), 1.0, 1.0, true); }

at::Tensor sampleSeeds3(SamplerRun& run, at::Tensor x) {
    constexpr double r1 = 1.0 / 3, r2 = 2.0 / 3;
    for (int i = 0; i < run.steps(); ++i) {
        const double sigma = run.sigma(i), next = run.sigma(i + 1);
        const at::Tensor denoised = run.startStep(i, x);
        if (next == 0) {
            x = denoised;
            continue;
        }
        const double h = std::log(sigma) - std::log(next), hEta = 2 * h;
        const double sigma1 = seedsStageSigma(sigma, next, r1), sigma2 = seedsStageSigma(sigma, next, r2);

        at::Tensor sdeNoise = run.noise(x) * std::sqrt(-std::expm1(-2 * r1 * h));
        const at::Tensor x2 = x * (sigma1 / sigma * std::exp(-r1 * h)) - denoised * seedsHPhi1(-r1 * hEta) + sdeNoise * sigma1;
        const at::Tensor denoised2 = run.denoise(x2, sigma1);

        const double a32 = r2 / r1 * seedsHPhi2(-r2 * hEta), a31 = seedsHPhi1(-r2 * hEta) - a32;
        at::Tensor x3 = x * (sigma2 / sigma * std::exp(-r2 * h)) - (denoised * a31 + denoised2 * a32);
        carrySeedsNoise(run, sdeNoise, (r1 - r2) * h);
        x3 = x3 + sdeNoise * sigma2;
        const at::Tensor denoised3 = run.denoise(x3, sigma2);

        const double b3 = seedsHPhi2(-hEta) / r2, b1 = seedsHPhi1(-hEta) - b3;
        x = x * (next / sigma * std::exp(-h)) - (denoised * b1 + denoised3 * b3);
        carrySeedsNoise(run, sdeNoise, (r2 - 1) * h);
        x = x + sdeNoise * next;
    }
    return x;
}

namespace {
// ER-SDE's noise scale function of lambda = sigma / alpha.
double erSdeScaler(double v) { return v * (std::exp(std::pow(v, 0.3)) + 10.0); }
}  // namespace

at::Tensor sampleErSde(SamplerRun& run, at::Tensor x) {
    constexpr int kMaxStage = 3;
    constexpr int kPoints = 200;  // the integrals' Riemann points
    std::optional<at::Tensor> oldDenoised, oldDenoisedD;
    for (int i = 0; i < run.steps(); ++i) {
        const double sigma = run.sigma(i), next = run.sigma(i + 1);
        const at::Tensor denoised = run.startStep(i, x);
        const int stage = std::min(kMaxStage, i + 1);
        if (next == 0) {
            x = denoised;
        } else {
            const double r = erSdeScaler(next) / erSdeScaler(sigma);
            x = x * r + denoised * (1 - r);
            if (stage >= 2) {
                const double dt = next - sigma, stepSize = -dt / kPoints;
                double s = 0, sU = 0;
                for (int p = 0; p < kPoints; ++p) {
                    const double pos = next + p * stepSize;
                    s += 1 / erSdeScaler(pos);
                    sU += (pos - sigma) / erSdeScaler(pos);
                }
                s *= stepSize;
                sU *= stepSize;
                const at::Tensor denoisedD = (denoised - *oldDenoised) / (sigma - run.sigma(i - 1));
                x = x + denoisedD * (dt + s * erSdeScaler(next));
                if (stage >= 3) {
                    const at::Tensor denoisedU = (denoisedD - *oldDenoisedD) / ((sigma - run.sigma(i - 2)) / 2);
                    x = x + denoisedU * (dt * dt / 2 + sU * erSdeScaler(next));
                }
                oldDenoisedD = denoisedD;
            }
            const double spread = next * next - sigma * sigma * r * r;
            x = x + run.noise(x) * (std::isnan(std::sqrt(spread)) ? 0.0 : std::sqrt(spread));
        }
        oldDenoised = denoised;
    }
    return x;
}

}  // namespace tessera::engine::detail
