#pragma once
// Numerical integration for the LMS sampler's coefficients (k-diffusion uses scipy.integrate.quad).
#include <functional>

namespace tessera::engine {

// Adaptive Gauss-Legendre (5 points, exact for polynomials up to degree 9): splits [a, b] until the
// whole-interval and two-halves estimates agree to relTol (relative to the result, or absolute near 0).
double integrate(const std::function<double(double)>& f, double a, double b, double relTol = 1e-12);

}  // namespace tessera::engine
