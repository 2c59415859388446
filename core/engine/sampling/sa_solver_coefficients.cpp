// SA-Solver's coefficients: the integral of e^{(1 + tau^2) lambda} times each Lagrange basis polynomial over
// the step, computed as ComfyUI does (comfy/k_diffusion/sa_solver.py): the monomial integrals by parts,
// then a transposed Vandermonde system for the Lagrange weights.
#include "core/engine/sampling/sa_solver_coefficients.h"

#include "core/common/error.h"

#include <cmath>
#include <cstddef>
#include <string>
#include <utility>

namespace tessera::engine::detail {
namespace {

// (1 + tau^2) * integral over [s, t] of e^{(1 + tau^2) x} x^p dx with e^{(1 + tau^2) t} factored out, for
// p = 0..order-1: integration by parts unrolled into a lower-triangular sum.
std::vector<double> saSolverMonomialIntegrals(double s, double t, int order, double tau) {
    const double tauMul = 1 + tau * tau, h = t - s;
    std::vector<double> boundary(static_cast<size_t>(order));
    for (int p = 0; p < order; ++p) boundary[static_cast<size_t>(p)] = std::pow(t, p) - std::pow(s, p) * std::exp(-tauMul * h);
    std::vector<double> out(static_cast<size_t>(order), 0.0);
    for (int i = 0; i < order; ++i) {
        for (int j = 0; j <= i; ++j) {
            double logWeight = std::lgamma(i + 1.0) - std::lgamma(j + 1.0);
            if (tau > 0) logWeight -= (i - j) * std::log(tauMul);
            const double sign = (i - j) % 2 == 0 ? 1.0 : -1.0;
            out[static_cast<size_t>(i)] += std::exp(logWeight) * sign * boundary[static_cast<size_t>(j)];
        }
    }
    return out;
}

// Solves sum_j lambdas[j]^i w_j = rhs_i (Gaussian elimination with partial pivoting).
std::vector<double> solveSaSolverVandermonde(const std::vector<double>& lambdas, std::vector<double> rhs) {
    const size_t n = lambdas.size();
    std::vector<std::vector<double>> a(n, std::vector<double>(n));
    for (size_t i = 0; i < n; ++i)
        for (size_t j = 0; j < n; ++j) a[i][j] = std::pow(lambdas[j], static_cast<double>(i));
    for (size_t col = 0; col < n; ++col) {
        size_t pivot = col;
        for (size_t r = col + 1; r < n; ++r)
            if (std::abs(a[r][col]) > std::abs(a[pivot][col])) pivot = r;
        if (a[pivot][col] == 0.0 || !std::isfinite(a[pivot][col]))
            throw Error("sa_solver: the schedule repeats a noise level, so the step's weights are undefined");
        std::swap(a[pivot], a[col]);
        std::swap(rhs[pivot], rhs[col]);
        for (size_t r = col + 1; r < n; ++r) {
            const double f = a[r][col] / a[col][col];
            for (size_t c = col; c < n; ++c) a[r][c] -= f * a[col][c];
            rhs[r] -= f * rhs[col];
        }
    }
    std::vector<double> w(n);
    for (size_t i = n; i-- > 0;) {
        double v = rhs[i];
        for (size_t c = i + 1; c < n; ++c) v -= a[i][c] * w[c];
        w[i] = v / a[i][i];
    }
    return w;
}

}  // namespace

std::vector<double> saSolverCoefficients(double sigmaNext, const std::vector<double>& lambdas, double lambdaS,
                                         double lambdaT, double tau, bool simpleOrder2, bool corrector) {
    const double alphaT = sigmaNext * std::exp(lambdaT);  // 1 up to rounding in k-diffusion's VE space
    const double tauMul = 1 + tau * tau, h = lambdaT - lambdaS;
    if (simpleOrder2 && lambdas.size() == 2) {
        const double whole = alphaT * -std::expm1(-h * tauMul);
        if (corrector) {
            const double newest = alphaT * (0.5 * tauMul * h);
            return {whole - newest, newest};
        }
        if (lambdas[0] == lambdaS)
            throw Error("sa_solver: the schedule repeats a noise level, so the step's weights are undefined");
        const double older = alphaT * (0.5 * tauMul * h * h) / (lambdas[0] - lambdaS);
        return {older, whole - older};
    }
    std::vector<double> w = solveSaSolverVandermonde(
        lambdas, saSolverMonomialIntegrals(lambdaS, lambdaT, static_cast<int>(lambdas.size()), tau));
    for (double& v : w) v *= alphaT;
    return w;
}

}  // namespace tessera::engine::detail
