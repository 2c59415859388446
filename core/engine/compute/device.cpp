#include "core/engine/compute/device.h"

#include "core/common/error.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/Context.h>

#include <algorithm>
#include <fstream>
#include <sched.h>
#include <sstream>
#include <thread>
#include <vector>

namespace tessera::engine {

int availableCpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) == 0) {
        const int n = CPU_COUNT(&set);
        if (n > 0) return n;
    }
    const unsigned hw = std::thread::hardware_concurrency();
    return hw ? static_cast<int>(hw) : 1;
}

bool cpuFlagsHaveNativeBf16(const std::string& flags) {
    std::istringstream words(flags.substr(flags.find(':') == std::string::npos ? 0 : flags.find(':') + 1));
    for (std::string w; words >> w;)
        if (w == "avx512_bf16" || w == "amx_bf16") return true;
    return false;
}

bool cpuHasNativeBf16() {
    static const bool native = [] {
        std::ifstream in("/proc/cpuinfo");
        for (std::string line; std::getline(in, line);)
            if (line.rfind("flags", 0) == 0) return cpuFlagsHaveNativeBf16(line);
        return false;
    }();
    return native;
}

bool isEmulatedBf16(at::Device device, at::ScalarType dtype, bool nativeBf16) {
    return device.is_cpu() && dtype == at::kBFloat16 && !nativeBf16;
}

at::ScalarType Placement::vaeDtype() const {
    return dtype == at::kBFloat16 && !isEmulatedBf16(device, dtype) ? dtype : at::kFloat;
}

at::Tensor toComputeLayout(const at::Tensor& x) {
    if (x.dim() == 4 && x.device().is_cpu() && x.scalar_type() == at::kBFloat16)
        return x.contiguous(at::MemoryFormat::ChannelsLast);
    return x;
}

at::ScalarType autoCpuDtype(bool nativeBf16) { return nativeBf16 ? at::kBFloat16 : at::kFloat; }

int engineLoopThreads() {
    // A loop of one task per thread, compiled here like the engine's other loops: each task records
    // the thread it ran on.
    const int64_t tasks = at::get_num_threads();
    std::vector<int> ranOn(static_cast<size_t>(tasks), -1);
    at::parallel_for(0, tasks, 1, [&](int64_t begin, int64_t end) {
        for (int64_t t = begin; t < end; ++t) ranOn[size_t(t)] = at::get_thread_num();
    });
    std::sort(ranOn.begin(), ranOn.end());
    return int(std::unique(ranOn.begin(), ranOn.end()) - ranOn.begin());
}

int configureThreads(int threads) {
    const int n = threads > 0 ? threads : availableCpus();
    if (at::get_num_threads() != n) at::set_num_threads(n);
    return at::get_num_threads();
}

at::Device selectDevice(const std::string& requested) {
    if (requested == "cpu") return at::Device(at::kCPU);
    const bool cuda = at::hasCUDA();
    if (requested == "cuda") {
        if (!cuda) throw Error("CUDA was requested, but this build of libtorch has no CUDA support or no GPU is present; use device 'cpu'");
        return at::Device(at::kCUDA, 0);
    }
    if (requested != "auto" && !requested.empty())
        throw Error("unknown device '" + requested + "' (use auto, cpu or cuda)");
    return cuda ? at::Device(at::kCUDA, 0) : at::Device(at::kCPU);
}

Placement resolvePlacement(const std::string& device, const std::string& precision) {
    Placement p;
    p.device = selectDevice(device);
    if (precision == "auto" || precision.empty()) {
        p.dtype = p.device.is_cuda() ? at::kHalf : autoCpuDtype(cpuHasNativeBf16());
    } else if (precision == "fp32" || precision == "float32") {
        p.dtype = at::kFloat;
    } else if (precision == "fp16" || precision == "float16") {
        if (!p.device.is_cuda())
            throw Error("precision fp16 needs a CUDA device: libtorch computes float16 only on GPUs; use fp32 or bf16 on the CPU");
        p.dtype = at::kHalf;
    } else if (precision == "bf16" || precision == "bfloat16") {
        p.dtype = at::kBFloat16;
    } else {
        throw Error("unknown precision '" + precision + "' (use auto, fp32, fp16 or bf16)");
    }
    return p;
}

namespace {
const char* typeName(at::ScalarType t) { return t == at::kHalf ? "float16" : t == at::kBFloat16 ? "bfloat16" : "float32"; }
}  // namespace

std::string describeCompute(const Placement& p, bool nativeBf16) {
    const std::string where = p.device.is_cuda() ? "CUDA GPU " + std::to_string(p.device.index()) : "CPU";
    const bool emulated = isEmulatedBf16(p.device, p.dtype, nativeBf16);
    const std::string unet = std::string(typeName(p.dtype)) +
                             (emulated ? " (emulated: this CPU has no avx512_bf16 or amx_bf16, so it runs many times "
                                         "slower than float32; --precision auto picks float32 here)"
                                       : "");
    return where + ": UNet " + unet + ", VAE " + typeName(p.vaeDtype()) + ", text float32";
}

std::string describeCompute(const Placement& p) { return describeCompute(p, cpuHasNativeBf16()); }

std::string Placement::describe() const {
    const std::string where = device.is_cuda() ? "CUDA GPU " + std::to_string(device.index()) : "CPU";
    const char* type = dtype == at::kHalf ? "float16" : dtype == at::kBFloat16 ? "bfloat16" : "float32";
    return where + " " + type;
}

}  // namespace tessera::engine
