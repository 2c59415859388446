#pragma once
// Tiny ONNX models written byte by byte (protobuf wire format), so the depth and preprocessor nodes
// can be tested without Python or downloaded weights.
#include <array>
#include <string>
#include <vector>

namespace tessera::test {

// A "depth model" out[1,1,H,W] = sum_c weights[c] * input[1,c,H,W] + bias: one 1x1 Conv, opset 13,
// input "input" with symbolic height and width.
std::string tinyDepthOnnx(const std::array<float, 3>& weights, float bias);

// One output map per head: out_k[1,1,H,W] = sum_c weights[c] * input[1,c,H,W] + bias (1x1 Convs,
// opset 13, input "input" with symbolic height and width), outputs in the order given.
struct TinyConvHead {
    std::string output;
    std::array<float, 3> weights;
    float bias;
};
std::string tinyConvHeadsOnnx(const std::vector<TinyConvHead>& heads);

// One 1x1 Conv from `inChannels` to weights.size() channels: out[1,k,H,W] = sum_c weights[k][c] *
// input[1,c,H,W] + biases[k] (input "input", output `output`, symbolic height and width).
std::string tinyConvOnnx(int inChannels, const std::vector<std::vector<float>>& weights, const std::vector<float>& biases,
                         const std::string& output);

}  // namespace tessera::test
