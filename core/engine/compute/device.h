#pragma once
// Where and how the engine computes: CPU by default, CUDA when the linked libtorch has it,
// and a thread count taken from the CPUs this process may use (libtorch's own default
// counts physical cores and is 1 on small VMs).
#include <ATen/core/Tensor.h>

#include <string>

namespace tessera::engine {

// Where a network's weights live and in which precision. Networks convert their inputs to their
// own placement and hand results back on the caller's device and dtype, so the samplers, noise and
// images stay float32 on the CPU (as ComfyUI's seeds need) whatever the models run on.
struct Placement {
    at::Device device{at::kCPU};
    at::ScalarType dtype = at::kFloat;

    // SD1.x/SD2.x VAEs overflow in float16 (black or NaN images), so the VAE runs float16 placements in
    // float32. bfloat16 has float32's range: the VAE follows it on a GPU and on CPUs with native bfloat16
    // (oneDNN accumulates in float32). Where bfloat16 is emulated, libtorch 1.13's fallback convolutions
    // lose far more than the rounding (9% RMS on the tiny VAE), so it stays float32 there.
    at::ScalarType vaeDtype() const;
    std::string describe() const;  // "CPU float32", "CUDA GPU 0 float16"
    bool operator==(const Placement& o) const { return device == o.device && dtype == o.dtype; }
};

int availableCpus();

// The memory layout a network computes in: channels-last for bfloat16 on the CPU (oneDNN's native
// layout, so convolutions reorder nothing and the transformers' token views are free), else as given.
at::Tensor toComputeLayout(const at::Tensor& x);

// Whether the CPU computes bfloat16 natively: `flags` is the "flags" line of /proc/cpuinfo (or just
// its value), which must name avx512_bf16 or amx_bf16. Without them libtorch emulates bfloat16 with
// float32 conversions, slower than plain float32.
bool cpuFlagsHaveNativeBf16(const std::string& flags);
bool cpuHasNativeBf16();  // this machine's /proc/cpuinfo, read once
// What precision "auto" means on the CPU: bfloat16 with native support, else float32.
at::ScalarType autoCpuDtype(bool nativeBf16);
// Whether computing in `dtype` on `device` is libtorch 1.13's bfloat16 emulation: bfloat16 on a CPU
// without native support, where products are 5-50x slower than float32 and sum in bfloat16.
bool isEmulatedBf16(at::Device device, at::ScalarType dtype, bool nativeBf16 = cpuHasNativeBf16());

// Applies the thread count (idempotent); returns the count in force.
int configureThreads(int threads = 0);
// How many threads the engine's own parallel loops (fused_ops, attention, weight conversion) run on
// now: at::get_num_threads() where the engine was compiled with OpenMP, 1 where it was not.
int engineLoopThreads();
at::Device selectDevice(const std::string& requested);  // throws tessera::Error for an unavailable "cuda"
// device: "auto" | "cpu" | "cuda"; precision: "auto" (the fast path, the default: float16 on CUDA; on the
// CPU bfloat16 where it is native, else float32) | "fp32" (the plain, golden-tested path) |
// "fp16" (CUDA only: libtorch's CPU kernels lack float16) | "bf16". Throws tessera::Error saying what to use.
Placement resolvePlacement(const std::string& device, const std::string& precision);
// What each network computes in, for users comparing runs: "CPU: UNet bfloat16, VAE float32, text float32".
// A CPU bfloat16 UNet on a CPU without native bfloat16 (`nativeBf16` false) is flagged as emulated.
std::string describeCompute(const Placement& p, bool nativeBf16);
std::string describeCompute(const Placement& p);  // this machine's CPU

}  // namespace tessera::engine
