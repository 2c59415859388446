// One full-size SD1.5 UNet forward (random weights, fp32, CPU): 512x512 image = 64x64 latent,
// batch 2 (cond + uncond), context [2, 77, 768], 2 threads. Run by hand; prints seconds.
#include "core/engine/networks/unet.h"
#include "core/engine/networks/unet_layout.h"
#include "core/engine/files/weights.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <chrono>
#include <cstdio>

using namespace tessera::engine;

namespace {

double secondsSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main() {
    at::set_num_threads(2);
    at::manual_seed(0);
    const UNetConfig config;  // SD1.5: 320 channels, mult 1,2,4,4, 2 res blocks, attention 0,1,2, 8 heads
    auto t0 = std::chrono::steady_clock::now();
    auto map = std::make_shared<Weights::Map>();
    for (const auto& [name, shape] : unetParameterShapes(config)) (*map)[name] = at::randn(shape) * 0.02;
    const Weights weights(map);
    const UNet unet(weights);
    std::printf("config: %s\n", unet.config().describe().c_str());
    std::printf("weights: %zu tensors, %.2f GiB, built in %.1f s\n", map->size(),
                double(weights.byteSize()) / (1 << 30), secondsSince(t0));

    const at::Tensor x = at::randn({2, 4, 64, 64});
    const at::Tensor timesteps = at::tensor({999.0f, 999.0f});
    const at::Tensor context = at::randn({2, 77, 768});
    t0 = std::chrono::steady_clock::now();
    const at::Tensor out = unet.forward(x, timesteps, context);
    const double seconds = secondsSince(t0);
    std::printf("forward [2,4,64,64] on %d threads: %.2f s (output mean %.4g, std %.4g)\n", at::get_num_threads(),
                seconds, out.mean().item<double>(), out.std().item<double>());
    return 0;
}
