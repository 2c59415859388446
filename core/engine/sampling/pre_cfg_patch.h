#pragma once
// A guidance patch a node puts on a model, run on both sides' estimates before classifier-free guidance
// combines them (ComfyUI's sampler_pre_cfg_function).

namespace tessera::engine {

struct PreCfgPatch {
    enum class Kind {
        AdaptiveProjected,  // nodes_apg.py: the guidance split along the positive, its parallel part scaled by eta
        TangentialDamping,  // nodes_tcfg.py: the negative's score projected on the pair's main singular direction
    };
    Kind kind = Kind::AdaptiveProjected;
    double eta = 1.0;            // APG
    double normThreshold = 5.0;  // APG; 0: the guidance is not capped
    double momentum = 0.0;       // APG; 0: no running average
};

}  // namespace tessera::engine
