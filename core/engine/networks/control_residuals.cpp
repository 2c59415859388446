#include "core/engine/networks/control_residuals.h"

#include <ATen/ATen.h>

namespace tessera::engine {

ControlResiduals ControlResiduals::scaled(float strength) const {
    ControlResiduals out;
    out.input.reserve(input.size());
    for (const auto& t : input) out.input.push_back(t.defined() ? t * strength : t);
    if (middle.defined()) out.middle = middle * strength;
    return out;
}

}  // namespace tessera::engine
