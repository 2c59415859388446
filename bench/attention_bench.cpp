// Times the CPU attention of an SD1.5 UNet at 512x512 (batch 1 and 2, each level's self- and
// cross-attention) at 1 and 2 threads, to see how well its tasks spread over the cores. Run by hand:
//   build/bench/attention_bench [repeats] [bf16|fp32] [query rows per task, 0 = chosen for the cache]
#include "core/engine/networks/attention.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace tessera::engine;

namespace {

double secondsOf(int repeats, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int heads,
                 const AttentionOptions& options) {
    attention(q, k, v, heads, options);  // first call: oneDNN builds its kernels
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < repeats; ++i) attention(q, k, v, heads, options);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / repeats;
}

}  // namespace

int main(int argc, char** argv) {
    const int repeats = argc > 1 ? std::atoi(argv[1]) : 5;
    if (repeats < 1 || (argc > 2 && std::string(argv[2]) != "fp32" && std::string(argv[2]) != "bf16")) {
        std::fprintf(stderr, "usage: attention_bench [repeats >= 1] [bf16|fp32] [query rows per task]\n");
        return 2;
    }
    const at::ScalarType dtype = argc > 2 && std::string(argv[2]) == "fp32" ? at::kFloat : at::kBFloat16;
    AttentionOptions options;
    if (argc > 3) options.queryChunk = std::atoll(argv[3]);
    struct Shape {
        const char* name;
        int64_t tokens, channels, keys;
    };
    const Shape shapes[] = {{"64x64 self", 4096, 320, 4096}, {"64x64 cross", 4096, 320, 77},
                            {"32x32 self", 1024, 640, 1024}, {"32x32 cross", 1024, 640, 77},
                            {"16x16 self", 256, 1280, 256},  {"16x16 cross", 256, 1280, 77}};
    std::printf("| shape | batch | 1 thread (ms) | 2 threads (ms) | speed-up |\n|---|---:|---:|---:|---:|\n");
    for (int64_t batch : {1, 2}) {
        for (const Shape& s : shapes) {
            const auto opts = at::TensorOptions().dtype(dtype);
            const at::Tensor q = at::randn({batch, s.tokens, s.channels}).to(dtype);
            const at::Tensor k = at::randn({batch, s.keys, s.channels}, opts);
            const at::Tensor v = at::randn({batch, s.keys, s.channels}, opts);
            at::set_num_threads(1);
            const double one = secondsOf(repeats, q, k, v, 8, options);
            at::set_num_threads(2);
            const double two = secondsOf(repeats, q, k, v, 8, options);
            std::printf("| %s | %lld | %.2f | %.2f | %.2fx |\n", s.name, (long long)batch, one * 1e3, two * 1e3, one / two);
        }
    }
    return 0;
}
