#pragma once
// The refdata tolerance: max|got-want| <= 1e-4 * max(1, max|want|).
#include <ATen/core/Tensor.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

namespace tessera::test {

::testing::AssertionResult closeToReference(const at::Tensor& got, const at::Tensor& want, double relTol = 1e-4);

// max |t| over all elements, computed in float64.
double maxAbs(const at::Tensor& t);
// max |a - b| over all elements, computed in float64.
double maxAbsDiff(const at::Tensor& a, const at::Tensor& b);
// max |got - want| / max |want|, in float64.
double relativeError(const at::Tensor& got, const at::Tensor& want);

// All tensors of a refdata case file (refdataPath("cases/" + name)), as float32 (ints kept).
std::map<std::string, at::Tensor> loadCase(const std::string& name);

}  // namespace tessera::test

#define EXPECT_MATCHES_REFERENCE(got, want) EXPECT_TRUE(::tessera::test::closeToReference((got), (want)))
