#pragma once
// Where and how the engine computes: CPU by default, CUDA when the linked libtorch has it,
// and a thread count taken from the CPUs this process may use (libtorch's own default
// counts physical cores and is 1 on small VMs).
#include <ATen/core/Tensor.h>

#include <string>

namespace tessera::engine {

struct ComputeSettings {
    std::string device = "auto";  // "auto", "cpu", "cuda"
    int threads = 0;              // 0: every CPU this process may use
};

int availableCpus();
// Applies the thread count (idempotent); returns the count in force.
int configureThreads(int threads = 0);
at::Device selectDevice(const std::string& requested);  // throws tessera::Error for an unavailable "cuda"
std::string describeDevice(const at::Device& device);

}  // namespace tessera::engine
