#pragma once
// What the UNet predicts: the added noise (SD1.x, SD2 "base"), v = alpha*noise - sigma*x0 (SD2 768-v),
// or EDM's preconditioned output (ComfyUI's EDM type: the v formula with the sign of the output term flipped).

namespace tessera::engine {

enum class Prediction { Eps, V, Edm };

}  // namespace tessera::engine
