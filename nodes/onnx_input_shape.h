#pragma once
// The declared shape of an ONNX model's first graph input, read from the file's protobuf without
// loading the weights, so a preprocessor can size its input from the model (OpenCV's DNN module
// does not expose it).
#include <cstdint>
#include <istream>
#include <string>
#include <vector>

namespace tessera::nodes {

// Dimensions of the first graph input; -1 for a symbolic or missing dimension. Empty when the file
// declares no input shape. Throws tessera::Error naming the file when it is not readable protobuf.
std::vector<int64_t> onnxFirstInputShape(const std::string& onnxPath);
// The same over a stream of the model's bytes; `name` is what errors call the model.
std::vector<int64_t> onnxFirstInputShape(std::istream& in, const std::string& name);

}  // namespace tessera::nodes
