#include "core/engine/sampling/beta_distribution.h"

#include "core/common/error.h"

#include <cmath>
#include <string>

namespace tessera::engine {
namespace {

// Continued fraction for I_x(a, b) (modified Lentz), converges quickly for x < (a+1)/(a+b+2).
double betaContinuedFraction(double x, double a, double b) {
    constexpr double tiny = 1e-300;
    constexpr double eps = 1e-16;
    double c = 1.0;
    double d = 1.0 - (a + b) * x / (a + 1.0);
    if (std::fabs(d) < tiny) d = tiny;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m <= 10000; ++m) {
        const double m2 = 2.0 * m;
        double num = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
        d = 1.0 + num * d;
        c = 1.0 + num / c;
        if (std::fabs(d) < tiny) d = tiny;
        if (std::fabs(c) < tiny) c = tiny;
        d = 1.0 / d;
        h *= d * c;
        num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
        d = 1.0 + num * d;
        c = 1.0 + num / c;
        if (std::fabs(d) < tiny) d = tiny;
        if (std::fabs(c) < tiny) c = tiny;
        d = 1.0 / d;
        const double delta = d * c;
        h *= delta;
        if (std::fabs(delta - 1.0) < eps) break;
    }
    return h;
}

}  // namespace

double regularizedIncompleteBeta(double x, double a, double b) {
    if (!(a > 0 && b > 0)) throw Error("beta distribution: parameters must be positive");
    if (x <= 0) return 0.0;
    if (x >= 1) return 1.0;
    const double logFront = std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
    const double front = std::exp(logFront);
    if (x < (a + 1.0) / (a + b + 2.0)) return front * betaContinuedFraction(x, a, b) / a;
    return 1.0 - front * betaContinuedFraction(1.0 - x, b, a) / b;
}

double inverseRegularizedIncompleteBeta(double p, double a, double b) {
    if (!(p >= 0 && p <= 1)) throw Error("beta distribution: probability " + std::to_string(p) + " is outside [0, 1]");
    if (p == 0) return 0.0;
    if (p == 1) return 1.0;
    // The CDF is monotone: bisection is slow but cannot fail, and runs a handful of times per schedule.
    double lo = 0.0, hi = 1.0;
    for (int i = 0; i < 200 && hi - lo > 1e-15; ++i) {
        const double mid = 0.5 * (lo + hi);
        if (regularizedIncompleteBeta(mid, a, b) < p)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

}  // namespace tessera::engine
