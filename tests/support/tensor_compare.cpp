#include "tests/support/tensor_compare.h"

#include "core/engine/files/safetensors.h"
#include "tests/support/refdata.h"

#include <ATen/ATen.h>

#include <sstream>

namespace tessera::test {

::testing::AssertionResult closeToReference(const at::Tensor& got0, const at::Tensor& want0, double relTol) {
    at::Tensor got = got0.detach().to(at::kCPU, at::kDouble);
    at::Tensor want = want0.detach().to(at::kCPU, at::kDouble);
    if (got.sizes() != want.sizes()) {
        std::ostringstream s;
        s << "shape " << got.sizes() << " != expected " << want.sizes();
        return ::testing::AssertionFailure() << s.str();
    }
    if (!at::isfinite(got).all().item<bool>()) return ::testing::AssertionFailure() << "result has NaN/Inf";
    const double scale = std::max(1.0, want.abs().max().item<double>());
    const double err = (got - want).abs().max().item<double>();
    const double tol = relTol * scale;
    if (err <= tol) return ::testing::AssertionSuccess() << "max error " << err;
    return ::testing::AssertionFailure() << "max |got-want| = " << err << " > tolerance " << tol;
}

std::map<std::string, at::Tensor> loadCase(const std::string& name) {
    return engine::loadAllTensors(refdataPath("cases/" + name));
}

double maxAbs(const at::Tensor& t) { return t.to(at::kDouble).abs().max().item<double>(); }

double maxAbsDiff(const at::Tensor& a, const at::Tensor& b) {
    return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

double relativeError(const at::Tensor& got, const at::Tensor& want) {
    return maxAbsDiff(got, want) / want.to(at::kDouble).abs().max().item<double>();
}

}  // namespace tessera::test
