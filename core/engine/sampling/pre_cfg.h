#pragma once
// ComfyUI's pre-CFG guidance functions (comfy_extras/nodes_apg.py, nodes_tcfg.py): they replace the positive
// or negative x0 estimate before the guidance combines them.
#include "core/engine/sampling/cfg_denoiser.h"
#include "core/engine/sampling/pre_cfg_patch.h"

#include <ATen/core/Tensor.h>

#include <functional>
#include <utility>
#include <vector>

namespace tessera::engine {

struct PreCfgArgs {
    const at::Tensor& x;
    double sigma;
    double cfg;
};
// Returns the positive and negative x0 estimates the guidance combines.
using PreCfgFunction =
    std::function<std::pair<at::Tensor, at::Tensor>(const PreCfgArgs& step, at::Tensor condX0, at::Tensor uncondX0)>;

// Each function in order, then `inner` (or plain cfg) on what they return.
CfgCombine withPreCfg(CfgCombine inner, std::vector<PreCfgFunction> functions);

// The patch as a function. `negativeEvaluated`: false where the negative's estimate stands in as zeros (cfg 1,
// BasicGuider); TangentialDamping then leaves the estimates alone, as ComfyUI does when its uncond is None.
// AdaptiveProjected keeps its running average (momentum) for the function's life: one sampling run, reset
// whenever sigma rises, as nodes_apg.py resets it.
PreCfgFunction preCfgFunction(const PreCfgPatch& patch, bool negativeEvaluated);

// APG: g = cond - uncond (through the running average, capped at normThreshold per image), split into its part
// along cond and the rest; cond becomes uncond + rest + eta * along + (cond - uncond) / cfg.
PreCfgFunction adaptiveProjectedGuidance(double eta, double normThreshold, double momentum);
// TCFG: per image, the negative's score x - uncond projected on the first right-singular vector of
// [x - uncond; x - cond] (float32); uncond becomes x - that projection.
PreCfgFunction tangentialDampingCfg();

}  // namespace tessera::engine
