#include "core/engine/device.h"

#include "core/common/error.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/Context.h>

#include <sched.h>
#include <thread>

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

std::string describeDevice(const at::Device& device) {
    if (device.is_cuda()) return "CUDA GPU " + std::to_string(device.index());
    return "CPU, " + std::to_string(at::get_num_threads()) + " threads";
}

}  // namespace tessera::engine
