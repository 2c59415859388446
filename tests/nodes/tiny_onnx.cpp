#include "tests/nodes/tiny_onnx.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>

namespace tessera::test {
namespace {

// Protobuf wire format: a field is a varint key (number << 3 | wire type) then a varint
// (type 0) or a length-delimited byte string (type 2).
std::string varint(uint64_t v) {
    std::string out;
    do {
        uint8_t b = v & 0x7F;
        v >>= 7;
        if (v) b |= 0x80;
        out.push_back(char(b));
    } while (v);
    return out;
}
std::string intField(int field, uint64_t v) { return varint(uint64_t(field) << 3) + varint(v); }
std::string bytesField(int field, const std::string& bytes) {
    return varint((uint64_t(field) << 3) | 2) + varint(bytes.size()) + bytes;
}

enum { kFloat = 1, kAttributeInts = 7 };

// ValueInfoProto for a float tensor; a dimension is a number or a symbolic name.
std::string tensorInfo(const std::string& name, std::initializer_list<const char*> dims) {
    std::string shape;
    for (const char* d : dims) {
        const bool symbolic = d[0] < '0' || d[0] > '9';
        shape += bytesField(1, symbolic ? bytesField(2, d) : intField(1, uint64_t(std::atoll(d))));
    }
    const std::string tensorType = intField(1, kFloat) + bytesField(2, shape);
    return bytesField(1, name) + bytesField(2, bytesField(1, tensorType));
}

std::string floatTensor(const std::string& name, std::initializer_list<int64_t> dims, const float* data, size_t n) {
    std::string t;
    for (int64_t d : dims) t += intField(1, uint64_t(d));
    t += intField(2, kFloat);
    t += bytesField(8, name);
    t += bytesField(9, std::string(reinterpret_cast<const char*>(data), n * sizeof(float)));  // little-endian host
    return t;
}

}  // namespace

std::string tinyDepthOnnx(const std::array<float, 3>& weights, float bias) {
    return tinyConvHeadsOnnx({{"depth", weights, bias}});
}

std::string tinyConvOnnx(int inChannels, const std::vector<std::vector<float>>& weights, const std::vector<float>& biases,
                         const std::string& output) {
    const std::string kernelShape = bytesField(1, "kernel_shape") + intField(8, 1) + intField(8, 1) +
                                    intField(20, kAttributeInts);
    std::vector<float> flat;
    for (const auto& row : weights) flat.insert(flat.end(), row.begin(), row.end());
    const int64_t outChannels = int64_t(weights.size());
    const std::string conv = bytesField(1, "input") + bytesField(1, "weight") + bytesField(1, "bias") +
                             bytesField(2, output) + bytesField(3, "conv") + bytesField(4, "Conv") +
                             bytesField(5, kernelShape);
    std::string graph = bytesField(1, conv) + bytesField(2, "tiny_conv");
    graph += bytesField(5, floatTensor("weight", {outChannels, inChannels, 1, 1}, flat.data(), flat.size()));
    graph += bytesField(5, floatTensor("bias", {outChannels}, biases.data(), biases.size()));
    const std::string c = std::to_string(inChannels), k = std::to_string(outChannels);
    graph += bytesField(11, tensorInfo("input", {"1", c.c_str(), "height", "width"}));
    graph += bytesField(12, tensorInfo(output, {"1", k.c_str(), "height", "width"}));
    const std::string opset = bytesField(1, "") + intField(2, 13);
    return intField(1, 7) + bytesField(2, "tessera-tests") + bytesField(7, graph) + bytesField(8, opset);
}

std::string tinyConvHeadsOnnx(const std::vector<TinyConvHead>& heads) {
    const std::string kernelShape = bytesField(1, "kernel_shape") + intField(8, 1) + intField(8, 1) +
                                    intField(20, kAttributeInts);
    std::string nodes, initializers, outputs;
    for (const TinyConvHead& h : heads) {
        const std::string w = h.output + "_weight", b = h.output + "_bias";
        nodes += bytesField(1, bytesField(1, "input") + bytesField(1, w) + bytesField(1, b) + bytesField(2, h.output) +
                                   bytesField(3, h.output + "_conv") + bytesField(4, "Conv") + bytesField(5, kernelShape));
        initializers += bytesField(5, floatTensor(w, {1, 3, 1, 1}, h.weights.data(), 3));
        initializers += bytesField(5, floatTensor(b, {1}, &h.bias, 1));
        outputs += bytesField(12, tensorInfo(h.output, {"1", "1", "height", "width"}));
    }
    const std::string graph = nodes + bytesField(2, "tiny_conv_heads") + initializers +
                              bytesField(11, tensorInfo("input", {"1", "3", "height", "width"})) + outputs;
    const std::string opset = bytesField(1, "") + intField(2, 13);
    return intField(1, 7) + bytesField(2, "tessera-tests") + bytesField(7, graph) + bytesField(8, opset);
}

}  // namespace tessera::test
