// Times a real-size 4x RRDBNet (RealESRGAN_x4plus: 23 blocks, 64 features, growth 32; random weights)
// on a 256x256 image on the CPU with 2 threads: one 512-pixel tile (the whole image), then 128-pixel
// tiles overlapping by 32 (9 tiles). Prints wall and CPU (user+sys) seconds; run under
// /usr/bin/time -v for the peak memory. Optional argument: the image side (default 256).
#include "core/engine/networks/upscale_model.h"
#include "core/engine/files/weights.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

using namespace tessera::engine;

namespace {

double cpuSeconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + 1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

template <class F>
void timed(const char* what, F&& f) {
    const double cpu0 = cpuSeconds();
    const auto start = std::chrono::steady_clock::now();
    f();
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%s: %.2f s wall, %.2f s CPU\n", what, wall, cpuSeconds() - cpu0);
}

}  // namespace

int main(int argc, char** argv) {
    at::set_num_threads(2);
    at::manual_seed(0);
    const int64_t side = argc > 1 ? std::atoll(argv[1]) : 256;
    const UpscaleModelConfig config;  // the defaults are RealESRGAN_x4plus
    auto map = std::make_shared<Weights::Map>();
    for (const auto& [key, shape] : upscaleParameterShapes(config)) (*map)[key] = at::randn(shape) * 0.02;
    const UpscaleModel model(config, Weights(map), "RealESRGAN_x4plus (random)");
    const at::Tensor image = at::rand({1, 3, side, side});
    at::Tensor out;
    timed("one tile", [&] { out = model.upscale(image); });
    std::printf("  %s -> %ldx%ld\n", config.describe().c_str(), long(out.size(3)), long(out.size(2)));
    int tiles = 0;
    timed("128-pixel tiles", [&] { model.upscale(image, {128, 32}, [&](int64_t, int64_t) { ++tiles; }); });
    std::printf("  %d tiles, threads %d\n", tiles, at::get_num_threads());
    return 0;
}
