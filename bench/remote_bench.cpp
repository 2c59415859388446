// The overhead of running a graph on a backend over ComfyUI's API against running it in this
// process: the same tiny-sd15 txt2img, alternately through an in-process Executor and through
// app/remote's RemoteRun to a running `tessera serve` (same compute settings), a new seed each
// time so the sampler, decoder and SaveImage run while the loaded models stay cached on both.
// Per run: wall time to the output file on disk (median and mean); CPU (user + system) of this
// process, and of the server, from /proc/PID/stat in clock ticks (10 ms), so as means over all
// --runs, after one warm-up run of each.
//   remote_bench PORT SERVER_PID --models DIR [--runs 20] [--steps 4] [--size 64] [--threads 2]
#include "app/remote/remote_run.h"
#include "core/engine/compute/device.h"
#include "core/exec/executor.h"
#include "core/io/comfyui_import.h"
#include "nodes/builtin_nodes.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QTemporaryDir>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

namespace {

using namespace tessera;
using Clock = std::chrono::steady_clock;

double processCpuSeconds(long pid) {  // user + system, from /proc/PID/stat
    std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(f)), {});
    const auto close = stat.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream rest(stat.substr(close + 2));
    std::string field;
    double utime = 0, stime = 0;
    for (int i = 3; rest >> field; ++i) {
        if (i == 14) utime = std::stod(field);
        if (i == 15) {
            stime = std::stod(field);
            break;
        }
    }
    return (utime + stime) / double(sysconf(_SC_CLK_TCK));
}

Graph txt2img(const Registry& registry, int64_t seed, int steps, int size) {
    const std::string s = std::to_string(size);
    const std::string prompt = R"({"1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "tiny-sd15.safetensors"}},
 "2": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["1", 1], "text": "a cat"}},
 "3": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["1", 1], "text": "blurry"}},
 "4": {"class_type": "EmptyLatentImage", "inputs": {"batch_size": 1, "height": )" + s + R"(, "width": )" + s + R"(}},
 "5": {"class_type": "KSampler", "inputs": {"cfg": 7.0, "denoise": 1.0, "latent_image": ["4", 0], "model": ["1", 0],
   "negative": ["3", 0], "positive": ["2", 0], "sampler_name": "euler", "scheduler": "normal", "seed": )" +
                               std::to_string(seed) + R"(, "steps": )" + std::to_string(steps) + R"(}},
 "6": {"class_type": "VAEDecode", "inputs": {"samples": ["5", 0], "vae": ["1", 2]}},
 "7": {"class_type": "SaveImage", "inputs": {"filename_prefix": "bench", "images": ["6", 0]}}})";
    LoadReport report;
    return importComfyPrompt(parseJson(prompt), registry, report);
}

struct Sample {
    double wall = 0, cpu = 0, serverCpu = 0;
};

double mean(const std::vector<double>& v) {
    double sum = 0;
    for (double x : v) sum += x;
    return v.empty() ? 0 : sum / double(v.size());
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    if (argc < 3) {
        std::fprintf(stderr, "usage: remote_bench PORT SERVER_PID --models DIR [--runs 20] [--steps 4] [--size 64] [--threads 2]\n");
        return 2;
    }
    const int port = std::atoi(argv[1]);
    const long serverPid = std::atol(argv[2]);
    int runs = 20, steps = 4, size = 64, threads = 2;
    std::string models;
    for (int i = 3; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--runs")) runs = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--steps")) steps = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--size")) size = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--models")) models = argv[i + 1];
    }
    engine::configureThreads(threads);
    Registry registry;
    nodes::registerBuiltinNodes(registry);
    QTemporaryDir out;
    Environment env;
    env.modelDirs = {models};
    env.outputDir = out.path().toStdString();
    env.tempDir = out.path().toStdString();
    env.device = "cpu";
    env.precision = "fp32";
    Executor executor(registry);
    QNetworkAccessManager net;
    const auto backend = remote::parseBackendAddress("http://127.0.0.1:" + std::to_string(port));

    auto local = [&](int64_t seed) {
        const RunResult r = executor.run(txt2img(registry, seed, steps, size), env);
        if (!r.succeeded()) throw std::runtime_error("local run failed: " + r.message);
    };
    auto remoteRun = [&](int64_t seed) {
        QEventLoop loop;
        remote::RemoteRunResult result;
        remote::RemoteRun run(net, remote::remoteRunRequest(backend, txt2img(registry, seed, steps, size), registry, env), {},
                              [&](const remote::RemoteRunResult& r) {
                                  result = r;
                                  loop.quit();
                              });
        run.start();
        if (!run.isFinished()) loop.exec();
        if (result.outcome != remote::RemoteRunResult::Outcome::Succeeded)
            throw std::runtime_error("remote run failed: " + result.message);
    };
    auto measure = [&](auto&& fn, int64_t seed) {
        Sample s;
        const double cpu0 = processCpuSeconds(getpid()), server0 = processCpuSeconds(serverPid);
        const auto t0 = Clock::now();
        fn(seed);
        s.wall = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        s.cpu = (processCpuSeconds(getpid()) - cpu0) * 1000;
        s.serverCpu = (processCpuSeconds(serverPid) - server0) * 1000;
        return s;
    };
    try {
        measure(local, 1);  // warm-up: models load on both sides
        measure(remoteRun, 1);
        std::vector<double> lw, lc, rw, rc, rs;
        for (int i = 0; i < runs; ++i) {
            const Sample l = measure(local, 100 + i), r = measure(remoteRun, 100 + i);
            lw.push_back(l.wall), lc.push_back(l.cpu);
            rw.push_back(r.wall), rc.push_back(r.cpu), rs.push_back(r.serverCpu);
        }
        std::printf("%d runs of tiny-sd15 txt2img %dx%d, %d steps, %d threads (ms; wall median / mean, CPU mean)\n", runs,
                    size, size, steps, threads);
        std::printf("in-process:  wall %.1f / %.1f  cpu %.1f\n", median(lw), mean(lw), mean(lc));
        std::printf("remote:      wall %.1f / %.1f  cpu client %.1f + server %.1f = %.1f\n", median(rw), mean(rw), mean(rc),
                    mean(rs), mean(rc) + mean(rs));
        std::printf("overhead:    wall %+.1f / %+.1f ms, cpu %+.1f ms per run\n", median(rw) - median(lw), mean(rw) - mean(lw),
                    mean(rc) + mean(rs) - mean(lc));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "remote_bench: %s\n", e.what());
        return 1;
    }
    return 0;
}
