#pragma once
// The tensors of a taesd_decoder.safetensors (madebyollin's key names and shapes), so tests can
// write TAESD files instead of downloading one. Header-only: engine and node tests share it.
#include <ATen/ATen.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

namespace tessera::test {

// Sequential indices of the decoder's blocks and of its bias-less convolutions after each upsampling.
inline const std::vector<int>& taesdBlockIndices() {
    static const std::vector<int> blocks = {3, 4, 5, 8, 9, 10, 13, 14, 15, 18};
    return blocks;
}
inline const std::vector<int>& taesdUpConvIndices() {
    static const std::vector<int> convs = {7, 12, 17};
    return convs;
}

// Every tensor filled by `fill(shape)`: conv "1" (latent -> width), blocks, up-convs, conv "19" (width -> 3).
template <class Fill>
std::map<std::string, at::Tensor> taesdDecoderTensors(int64_t latentChannels, int64_t width, Fill&& fill) {
    std::map<std::string, at::Tensor> t;
    auto conv = [&](const std::string& name, int64_t out, int64_t in, bool bias) {
        t[name + ".weight"] = fill(std::vector<int64_t>{out, in, 3, 3});
        if (bias) t[name + ".bias"] = fill(std::vector<int64_t>{out});
    };
    conv("1", width, latentChannels, true);
    for (int b : taesdBlockIndices())
        for (const char* c : {".conv.0", ".conv.2", ".conv.4"}) conv(std::to_string(b) + c, width, width, true);
    for (int u : taesdUpConvIndices()) conv(std::to_string(u), width, width, false);
    conv("19", 3, width, true);
    return t;
}

// Random weights scaled by 1/sqrt(fan-in), so activations stay of order one through the network.
inline std::map<std::string, at::Tensor> randomTaesdDecoder(int64_t latentChannels, int64_t width, uint64_t seed) {
    at::manual_seed(seed);
    return taesdDecoderTensors(latentChannels, width, [](const std::vector<int64_t>& shape) {
        const double fanIn = shape.size() == 4 ? double(shape[1] * shape[2] * shape[3]) : 9.0 * 64.0;
        return at::randn(shape) / std::sqrt(fanIn);
    });
}

}  // namespace tessera::test
