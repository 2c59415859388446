#pragma once
// SA-Solver (Stochastic Adams Solver, arXiv 2309.05019) as ComfyUI runs it: sampler names "sa_solver" and
// "sa_solver_pece", and the settings of its SamplerSASolver node.
#include "core/engine/sampling/model_sampling.h"

namespace tessera::engine {

struct SaSolverSettings {
    // Stochastic strength tau inside the SDE window (ComfyUI's eta; 0 runs the ODE).
    double eta = 1.0;
    // The window in sigma: tau = eta where sdeStartSigma >= sigma >= sdeEndSigma, else 0.
    double sdeStartSigma = 0.0;
    double sdeEndSigma = 0.0;
    double sNoise = 1.0;     // scales the injected noise
    int predictorOrder = 3;  // Adams-Bashforth steps, 1..6
    int correctorOrder = 4;  // Adams-Moulton steps, 0..6 (0: no corrector)
    bool usePece = false;    // evaluate the model again on the corrected state (one more call per step)
    bool simpleOrder2 = false;  // the paper's closed-form order-2 coefficients where two points are used
};

// ComfyUI's SamplerSASolver: the window from the model's percentToSigma of the two percents.
SaSolverSettings saSolverSettings(const ModelSampling& sampling, double eta, double sdeStartPercent,
                                  double sdeEndPercent);
// What KSampler's sa_solver runs: eta 1 between 20% and 80% of the model's schedule, orders 3 and 4.
SaSolverSettings saSolverDefaults(const ModelSampling& sampling);

}  // namespace tessera::engine
