#pragma once
// The beta distribution's CDF and its inverse (what scipy.stats.beta.cdf / .ppf compute), for the
// "beta" scheduler. Double precision; the inverse is accurate to ~1e-14 in x.

namespace tessera::engine {

// Regularized incomplete beta function I_x(a, b), a, b > 0, x in [0, 1].
double regularizedIncompleteBeta(double x, double a, double b);
// x with I_x(a, b) = p, p in [0, 1].
double inverseRegularizedIncompleteBeta(double p, double a, double b);

}  // namespace tessera::engine
