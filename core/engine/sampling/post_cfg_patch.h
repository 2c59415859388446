#pragma once
// A guidance patch a node puts on a model, run after classifier-free guidance (ComfyUI's
// sampler_post_cfg_function).

namespace tessera::engine {

struct PostCfgPatch {
    enum class Kind {
        PerturbedAttention,  // nodes_pag.py: away from the positive with the middle block's self-attention as values
        SelfAttention,       // nodes_sag.py: away from the negative over a blurred copy of where it attends
        CfgZeroStar,         // nodes_cfg.py: the negative rescaled by its optimal projection on the positive
        CfgNorm,             // nodes_cfg.py: the guided estimate's per-pixel norm capped at the positive's, times `scale`
        Mahiro,              // nodes_mahiro.py: towards cfg * positive where the negative disagrees with the result
    };
    Kind kind = Kind::PerturbedAttention;
    double scale = 0;      // PAG's and SAG's scale; CFGNorm's strength
    double blurSigma = 0;  // SelfAttention's Gaussian blur

    // PAG and SAG make ComfyUI evaluate the negative at cfg 1 too (disable_cfg1_optimization); the others then
    // see zeros as the negative's estimate.
    bool evaluatesNegativeAtCfg1() const { return kind == Kind::PerturbedAttention || kind == Kind::SelfAttention; }
};

}  // namespace tessera::engine
