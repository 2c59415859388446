#include "core/engine/networks/control_residuals.h"

#include <ATen/ATen.h>

namespace tessera::engine {
namespace {

std::vector<at::Tensor> scaledList(const std::vector<at::Tensor>& list, float strength) {
    std::vector<at::Tensor> out;
    out.reserve(list.size());
    for (const auto& t : list) out.push_back(t.defined() ? t * strength : t);
    return out;
}

at::Tensor sumOrEither(const at::Tensor& a, const at::Tensor& b) {
    if (!a.defined()) return b;
    if (!b.defined()) return a;
    return a + b;
}

void addList(std::vector<at::Tensor>& into, const std::vector<at::Tensor>& from) {
    if (into.size() < from.size()) into.resize(from.size());
    for (size_t i = 0; i < from.size(); ++i) into[i] = sumOrEither(into[i], from[i]);
}

}  // namespace

ControlResiduals ControlResiduals::scaled(float strength) const {
    ControlResiduals out;
    out.input = scaledList(input, strength);
    if (middle.defined()) out.middle = middle * strength;
    out.levelFeatures = scaledList(levelFeatures, strength);
    return out;
}

void ControlResiduals::add(const ControlResiduals& other) {
    addList(input, other.input);
    middle = sumOrEither(middle, other.middle);
    addList(levelFeatures, other.levelFeatures);
}

}  // namespace tessera::engine
