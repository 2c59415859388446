#pragma once
// A guidance patch a node puts on a model, run after classifier-free guidance (ComfyUI's
// sampler_post_cfg_function): PerturbedAttentionGuidance or SelfAttentionGuidance.

namespace tessera::engine {

struct PostCfgPatch {
    enum class Kind {
        PerturbedAttention,  // nodes_pag.py: away from the positive with the middle block's self-attention as values
        SelfAttention,       // nodes_sag.py: away from the negative over a blurred copy of where it attends
    };
    Kind kind = Kind::PerturbedAttention;
    double scale = 0;
    double blurSigma = 0;  // SelfAttention's Gaussian blur
};

}  // namespace tessera::engine
