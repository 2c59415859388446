#pragma once
// SA-Solver's step weights (internal to core/engine).
#include <vector>

namespace tessera::engine::detail {

// The b coefficients of one SA-Solver step in data prediction on lambda = -log(sigma) (the paper's eqs. 15
// and 18): the weights of the x0 estimates taken at `lambdas` (oldest first) for a step from lambdaS to
// lambdaT ending at sigmaNext with stochastic strength tau. Corrector steps reuse the predictor's interval.
// simpleOrder2 with two points uses the paper's closed-form order-2 weights (Appendix D).
// Throws tessera::Error when two of the lambdas coincide (a schedule repeating a sigma).
std::vector<double> saSolverCoefficients(double sigmaNext, const std::vector<double>& lambdas, double lambdaS,
                                         double lambdaT, double tau, bool simpleOrder2, bool corrector);

}  // namespace tessera::engine::detail
