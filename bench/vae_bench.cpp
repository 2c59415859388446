// Times a full-size SD VAE (ch 128, mult 1,2,4,4, 2 res blocks, z 4; random weights) on the CPU:
// decode of a 64x64 latent and encode of a 512x512 image, with 2 threads.
// Run under /usr/bin/time -v for the peak memory.
#include "core/engine/networks/vae.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <chrono>
#include <cstdio>

using namespace tessera::engine;

namespace {

Weights randomWeights(const VaeConfig& config) {
    auto map = std::make_shared<Weights::Map>();
    for (const auto& [key, shape] : vaeParameterShapes(config)) {
        const bool normScale = key.find("norm") != std::string::npos && key.size() > 7 &&
                               key.compare(key.size() - 7, 7, ".weight") == 0;
        (*map)[key] = normScale ? at::ones(shape) : at::randn(shape) * 0.02;
    }
    return Weights(map);
}

template <class F>
double seconds(F&& f) {
    const auto start = std::chrono::steady_clock::now();
    f();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main() {
    at::set_num_threads(2);
    at::manual_seed(0);
    VaeConfig config;  // the defaults are the SD1.x/SD2.x VAE
    const Vae vae(config, randomWeights(config));
    at::Tensor image;
    const double decode = seconds([&] { image = vae.decode(at::randn({1, 4, 64, 64})); });
    std::printf("decode 1x4x64x64 -> %ldx%ld: %.2f s\n", static_cast<long>(image.size(3)), static_cast<long>(image.size(2)), decode);
    at::Tensor z;
    const double encode = seconds([&] { z = vae.encode(at::rand({1, 3, 512, 512}) * 2 - 1); });
    std::printf("encode 1x3x512x512 -> %ldx%ld latent: %.2f s\n", static_cast<long>(z.size(3)), static_cast<long>(z.size(2)), encode);
    std::printf("threads %d, finite %d\n", at::get_num_threads(), static_cast<int>(at::isfinite(image).all().item<bool>()));
    return 0;
}
