// Times float32 3x3 convolutions of the SD1.5 UNet's and VAE's shapes at 512x512: libtorch's conv2d
// (oneDNN) against Tessera's Winograd F(4x4, 3x3), and prints how far apart their results are.
//   conv_bench [--threads N] [--repeats R]
#include "core/engine/compute/upsample_conv.h"
#include "core/engine/compute/winograd_conv.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

namespace {

struct Shape {
    const char* where;
    int64_t batch, cin, cout, size;
};

// One of each kind of 3x3 convolution the two networks run at 512x512 (CFG batch 2 for the UNet, and batch 1
// at its two smallest levels).
constexpr Shape kShapes[] = {
    {"UNet level 0", 2, 320, 320, 64},  {"UNet level 1", 2, 640, 640, 32},  {"UNet level 2", 2, 1280, 1280, 16},
    {"UNet level 3", 2, 1280, 1280, 8}, {"UNet lvl 2 b1", 1, 1280, 1280, 16}, {"UNet lvl 3 b1", 1, 1280, 1280, 8},
    {"VAE 512 ch", 1, 512, 512, 64},    {"VAE 512 ch", 1, 512, 512, 128},
    {"VAE 256 ch", 1, 256, 256, 256},   {"VAE 256 ch", 1, 256, 256, 512},   {"VAE 128 ch", 1, 128, 128, 512},
    {"UNet in", 2, 4, 320, 64},         {"UNet out", 2, 320, 4, 64},        {"VAE in", 1, 3, 128, 512},
    {"VAE out", 1, 128, 3, 512},        {"VAE z in", 1, 4, 512, 64},        {"VAE z out", 1, 512, 8, 64},
    {"tiny VAE", 1, 32, 32, 512},       {"tiny VAE", 1, 64, 64, 256},       {"ESRGAN", 1, 64, 64, 512},
    {"ESRGAN dense", 1, 96, 32, 512},   {"16 ch", 1, 16, 16, 512},          {"tiny UNet", 2, 32, 32, 64},
};

// The up-blocks' upsampling convolutions (input size before upsampling).
constexpr Shape kUpsampleShapes[] = {
    {"UNet up 1280", 2, 1280, 1280, 16}, {"UNet up 640", 2, 640, 640, 32}, {"VAE up 512", 1, 512, 512, 64},
    {"VAE up 512", 1, 512, 512, 128},    {"VAE up 256", 1, 256, 256, 256},
};

template <class F>
double bestSeconds(int repeats, F&& f) {
    f();
    double best = 1e30;
    for (int i = 0; i < repeats; ++i) {
        const auto start = std::chrono::steady_clock::now();
        f();
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    return best;
}


// Times `baseline` and `wino` (each returns its result) on one shape and prints a row.
template <class Baseline, class Wino>
void printRow(const Shape& s, int repeats, Baseline&& baseline, Wino&& wino, const char* note) {
    at::Tensor want, got;
    const double d = bestSeconds(repeats, [&] { want = baseline(); });
    const double t = bestSeconds(repeats, [&] { got = wino(); });
    // The phase convolutions' raw output has another shape than the result: no difference to show.
    const double diff = got.sizes() == want.sizes()
                            ? (got - want).abs().max().item<double>() / want.abs().max().item<double>()
                            : std::nan("");
    char shape[64];
    std::snprintf(shape, sizeof shape, "%ldx%ld->%ld @%ld", long(s.batch), long(s.cin), long(s.cout), long(s.size));
    std::printf("%-14s %-22s %9.4f %9.4f %6.2fx %10.2e%s\n", s.where, shape, d, t, d / t, diff, note);
}

struct Operands {
    at::Tensor x, w, b;
    explicit Operands(const Shape& s)
        : x(at::randn({s.batch, s.cin, s.size, s.size})),
          w(at::randn({s.cout, s.cin, 3, 3}) / std::sqrt(9.0 * double(s.cin))), b(at::randn({s.cout})) {}
};

}  // namespace

int main(int argc, char** argv) {
    using namespace tessera::engine;
    int threads = 2, repeats = 3;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--threads")) threads = std::stoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--repeats")) repeats = std::stoi(argv[i + 1]);
    }
    at::set_num_threads(threads);
    at::manual_seed(0);
    std::printf("%-14s %-22s %9s %9s %7s %10s\n", "where", "shape", "direct s", "wino s", "ratio", "max diff");
    for (const Shape& s : kShapes) {
        const Operands o(s);
        printRow(s, repeats, [&] { return at::conv2d(o.x, o.w, o.b, 1, 1); }, [&] { return winogradConv3x3(o.x, o.w, o.b); },
                 winogradApplies(o.x, o.w, 1, 1) ? "" : "  (not used here)");
    }
    // Nearest x2 upsampling then a 3x3 convolution: the four phases' 2x2 convolutions on the small image
    // (without their interleaving into the output) against Winograd on the upsampled image.
    std::printf("\n%-14s %-22s %9s %9s %7s %10s\n", "where", "upsample+conv", "phases s", "wino s", "ratio", "max diff");
    for (const Shape& s : kUpsampleShapes) {
        const Operands o(s);
        const at::Tensor phaseKernels = upsampleConvPhaseKernels(o.w), phaseBias = o.b.repeat({4});
        printRow(
            s, repeats, [&] { return at::conv2d(at::constant_pad_nd(o.x, {1, 1, 1, 1}, 0), phaseKernels, phaseBias); },
            [&] { return winogradConv3x3(at::upsample_nearest2d(o.x, {2 * s.size, 2 * s.size}), o.w, o.b); }, "");
    }
    return 0;
}
