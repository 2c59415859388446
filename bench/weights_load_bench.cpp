// What copying float32 weights out of the file's mapping costs (issue 18: a mapped checkpoint truncated
// by another program killed the process with SIGBUS). Writes a float32 safetensors file of --mib MiB,
// then, each in its own child process with the file in the page cache:
//   view: the old way, tensors as views of the mapping, every page read once (as the first run would);
//   copy: Weights::fromFile as it is now, every tensor copied into the huge-page arena.
// Prints wall and CPU seconds and the resident memory split into anonymous and file-backed pages.
//   build/bench/weights_load_bench [--mib 1024] [--dir /tmp]
#include "core/engine/compute/device.h"
#include "core/engine/files/safetensors.h"
#include "core/engine/files/weights.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace tessera::engine;

namespace {

double cpuSeconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

long statusKiB(const char* key) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(key, 0) == 0) return std::stol(line.substr(std::strlen(key)));
    return -1;
}

void measure(const std::string& path, bool copy) {
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = cpuSeconds();
    double checksum = 0;
    Weights kept;
    std::vector<at::Tensor> views;
    {
        auto file = SafetensorsFile::open(path);
        if (copy) {
            kept = Weights::fromFile(*file, "", at::kFloat);
            for (const auto& k : kept.keys()) checksum += kept(k)[0].item<float>();
        } else {
            for (const auto& e : file->entries()) {
                views.push_back(file->tensor(e.name));
                checksum += views.back().sum().item<float>();  // reads every page
            }
        }
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%-5s  wall %6.3f s  cpu %6.3f s  RssAnon %7.1f MiB  RssFile %7.1f MiB  (checksum %g)\n",
                copy ? "copy" : "view", wall, cpuSeconds() - c0, statusKiB("RssAnon:") / 1024.0,
                statusKiB("RssFile:") / 1024.0, checksum);
}

}  // namespace

int main(int argc, char** argv) {
    int64_t mib = 1024;
    std::string dir = "/tmp";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--mib")) mib = std::stoll(argv[i + 1]);
        if (!std::strcmp(argv[i], "--dir")) dir = argv[i + 1];
    }
    const std::string path = dir + "/weights_load_bench.safetensors";
    {
        std::map<std::string, at::Tensor> tensors;
        const int64_t perTensor = 8;  // MiB, like a large convolution or linear weight
        for (int64_t i = 0; i < mib / perTensor; ++i)
            tensors["w" + std::to_string(i)] = at::rand({perTensor * 1024 * 256});
        writeSafetensors(path, tensors);
    }
    configureThreads(0);
    std::printf("float32 file of %lld MiB, %d thread(s)\n", (long long)mib, at::get_num_threads());
    std::fflush(stdout);
    for (int round = 0; round < 3; ++round) {
        for (const bool copy : {false, true}) {
            const pid_t child = fork();
            if (child == 0) {
                measure(path, copy);
                std::fflush(stdout);
                _exit(0);
            }
            int status = 0;
            waitpid(child, &status, 0);
        }
    }
    std::filesystem::remove(path);
}
