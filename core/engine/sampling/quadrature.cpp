#include "core/engine/sampling/quadrature.h"

#include <algorithm>
#include <cmath>

namespace tessera::engine {
namespace {

double gaussLegendre5(const std::function<double(double)>& f, double a, double b) {
    static const double nodes[5] = {0.0, -0.5384693101056831, 0.5384693101056831, -0.9061798459386640, 0.9061798459386640};
    static const double weights[5] = {0.5688888888888889, 0.4786286704993665, 0.4786286704993665, 0.2369268850561891,
                                      0.2369268850561891};
    const double half = 0.5 * (b - a), centre = 0.5 * (a + b);
    double sum = 0;
    for (int i = 0; i < 5; ++i) sum += weights[i] * f(centre + half * nodes[i]);
    return sum * half;
}

double adaptive(const std::function<double(double)>& f, double a, double b, double whole, double relTol, int depth) {
    const double mid = 0.5 * (a + b);
    const double left = gaussLegendre5(f, a, mid), right = gaussLegendre5(f, mid, b);
    const double halves = left + right;
    if (depth <= 0 || std::fabs(halves - whole) <= relTol * std::max(std::fabs(halves), 1e-300) ||
        std::fabs(halves - whole) < 1e-300)
        return halves;
    return adaptive(f, a, mid, left, relTol, depth - 1) + adaptive(f, mid, b, right, relTol, depth - 1);
}

}  // namespace

double integrate(const std::function<double(double)>& f, double a, double b, double relTol) {
    if (a == b) return 0.0;
    return adaptive(f, a, b, gaussLegendre5(f, a, b), relTol, 30);
}

}  // namespace tessera::engine
