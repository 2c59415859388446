#pragma once
// What the UNet predicts: the added noise (SD1.x, SD2 "base") or v = alpha*noise - sigma*x0 (SD2 768-v).

namespace tessera::engine {

enum class Prediction { Eps, V };

}  // namespace tessera::engine
