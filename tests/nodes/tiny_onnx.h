#pragma once
// Tiny ONNX models written byte by byte (protobuf wire format), so the depth node can be tested
// without Python or downloaded weights.
#include <array>
#include <string>

namespace tessera::test {

// A "depth model" out[1,1,H,W] = sum_c weights[c] * input[1,c,H,W] + bias: one 1x1 Conv, opset 13,
// input "input" with symbolic height and width.
std::string tinyDepthOnnx(const std::array<float, 3>& weights, float bias);

}  // namespace tessera::test
