// Full-size SD1.5 on the CPU, plain float32 path against the fast path ("auto" precision), in one run.
// Builds a random-weight SD1.5-shaped checkpoint (F16, the layout and size of a real 2 GB file) with
// Tessera's own shape lists, then runs each path in child processes (re-executing this program), so
// peak RSS is measured per path, and prints a Markdown table with the ratio fp32 / fast.
//   sd15_bench [--size 512] [--steps 20] [--threads N] [--paths fp32,fast] [--only rows] [--keep] [--dir D]
//              [--repeats R]  (UNet and second VAE rows: the fastest of R calls; default 1)
//              [--profile]   (also prints, per UNet / VAE row, the libtorch operators with the most self time)
// Rows: load, text, unet1, unet2, vae_encode, vae_decode, img2img (img2img also gives its peak RSS).
#include <ATen/ATen.h>  // before Qt's headers (image_convert.h), whose macros clash with libtorch's
#include <ATen/Parallel.h>

#include "core/common/allocator.h"
#include "core/common/error.h"
#include "core/engine/files/checkpoint.h"
#include "core/engine/text/clip_text_layout.h"
#include "core/engine/text/clip_tokenizer.h"
#include "core/engine/compute/device.h"
#include "core/engine/files/safetensors.h"
#include "core/engine/text/text_encoder.h"
#include "core/engine/networks/unet.h"
#include "core/engine/networks/unet_layout.h"
#include "core/engine/networks/vae.h"
#include "core/exec/executor.h"
#include "core/graph/graph.h"
#include "core/graph/registry.h"
#include "nodes/builtin_nodes.h"
#include "nodes/image_convert.h"
#include "bench/op_profile.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#ifndef TESSERA_REFDATA_DIR
#define TESSERA_REFDATA_DIR ""
#endif

using namespace tessera;
using namespace tessera::engine;
namespace fs = std::filesystem;

namespace {

const char* kPrompt = "a watercolor painting of a lighthouse on a hill at sunset, soft light, detailed";
const char* kNegative = "blurry, low quality, deformed";
const char* kCheckpointName = "sd15-random-f16.safetensors";

struct Options {
    int size = 512;
    int steps = 20;
    int threads = 0;  // 0: the CPUs this process may use
    int repeats = 1;
    std::vector<std::string> paths{"fp32", "fast"};
    std::vector<std::string> only;
    bool keep = false;
    bool profile = false;
    std::string dir;
    // Child mode: run `childPath` on the benchmark folder `dir`, print "row seconds" lines.
    std::string childPath, childPart;
};

std::vector<std::string> splitList(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream in(s);
    for (std::string item; std::getline(in, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) throw Error(a + " needs a value");
            return argv[++i];
        };
        if (a == "--size") o.size = std::stoi(value());
        else if (a == "--steps") o.steps = std::stoi(value());
        else if (a == "--threads") o.threads = std::stoi(value());
        else if (a == "--repeats") o.repeats = std::max(1, std::stoi(value()));
        else if (a == "--paths") o.paths = splitList(value());
        else if (a == "--only") o.only = splitList(value());
        else if (a == "--keep") o.keep = true;
        else if (a == "--profile") o.profile = true;
        else if (a == "--dir") o.dir = value();
        else if (a == "--child") o.childPath = value();
        else if (a == "--part") o.childPart = value();
        else if (a == "--help" || a == "-h") {
            std::printf("sd15_bench [--size 512] [--steps 20] [--threads N] [--paths fp32,fast] "
                        "[--only load,text,unet1,unet2,vae_encode,vae_decode,img2img] [--keep] [--dir D] "
                        "[--repeats R] [--profile]\n");
            std::exit(0);
        } else throw Error("unknown option '" + a + "' (see --help)");
    }
    if (o.size % 64 != 0 || o.size < 64) throw Error("--size must be a multiple of 64");
    for (const auto& p : o.paths)
        if (p != "fp32" && p != "fast") throw Error("--paths takes fp32 and/or fast, not '" + p + "'");
    return o;
}

bool wanted(const Options& o, const std::string& row) {
    return o.only.empty() || std::find(o.only.begin(), o.only.end(), row) != o.only.end();
}

// The precision setting a path runs with: the fast path is the default ("auto").
std::string precisionOf(const std::string& path) { return path == "fp32" ? "fp32" : "auto"; }

double secondsSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double processCpuSeconds() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

// CPU seconds (all threads, user + system) of the last timed() call: on a shared, loaded machine this
// moves far less than wall time, so the table shows it beside each row.
double lastCpuSeconds = 0;

double timed(const std::function<void()>& f) {
    const double cpu0 = processCpuSeconds();
    const auto t0 = std::chrono::steady_clock::now();
    f();
    lastCpuSeconds = processCpuSeconds() - cpu0;
    return secondsSince(t0);
}

double peakRssGiB() {
    std::ifstream in("/proc/self/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / (1024.0 * 1024.0);  // kB
    return 0;
}

// ---- the checkpoint -------------------------------------------------------------------------------

void addRandom(std::map<std::string, at::Tensor>& out, const std::string& prefix,
               const std::map<std::string, std::vector<int64_t>>& shapes) {
    for (const auto& [name, shape] : shapes) {
        // Norm scales near 1, everything else small: keeps activations finite through 16 UNet blocks.
        const bool normScale = shape.size() == 1 && name.find("norm") != std::string::npos &&
                               name.size() > 7 && name.compare(name.size() - 7, 7, ".weight") == 0;
        at::Tensor t = normScale ? at::ones(shape) : at::randn(shape) * 0.02;
        out[prefix + name] = t.to(at::kHalf);
    }
}

void writeCheckpoint(const std::string& path) {
    at::manual_seed(0);
    std::map<std::string, at::Tensor> tensors;
    addRandom(tensors, "model.diffusion_model.", unetParameterShapes(UNetConfig{}));
    addRandom(tensors, "cond_stage_model.transformer.text_model.", clipTextParameterShapes(clipLConfig()));
    tensors["cond_stage_model.transformer.text_model.embeddings.position_ids"] = at::arange(77, at::kLong).unsqueeze(0);
    addRandom(tensors, "first_stage_model.", vaeParameterShapes(VaeConfig{}));
    writeSafetensors(path, tensors);
}

// Reads the file once so "load" measures a warm page cache, as the issue asks.
void warmPageCache(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<char> buffer(1 << 22);
    while (in.read(buffer.data(), std::streamsize(buffer.size())) || in.gcount() > 0) {}
}

void writeSourceImage(const std::string& path, int size) {
    at::manual_seed(1);
    // Smooth colour blobs rather than white noise: closer to a photo for the VAE.
    const at::Tensor small = at::rand({1, 3, size / 32, size / 32});
    const at::Tensor image = at::upsample_bilinear2d(small, {size, size}, false).permute({0, 2, 3, 1})[0];
    const QByteArray png = nodes::encodePng(image.contiguous());
    std::ofstream(path, std::ios::binary).write(png.constData(), png.size());
}

struct Folder {
    std::string root, models, checkpoint, input, output;
};

Folder folderAt(const std::string& root) {
    Folder f;
    f.root = root;
    f.models = root + "/models";
    f.checkpoint = f.models + "/checkpoints/" + kCheckpointName;
    f.input = root + "/input";
    f.output = root + "/output";
    return f;
}

Folder prepareFolder(const Options& o) {
    std::string root = o.dir;
    if (root.empty()) {
        std::string tmpl = (fs::temp_directory_path() / "tessera-sd15-bench-XXXXXX").string();
        if (!::mkdtemp(tmpl.data())) throw Error("cannot create a temporary folder");
        root = tmpl;
    }
    const Folder f = folderAt(root);
    for (const std::string& d : {f.models + "/checkpoints", f.models + "/tokenizers", f.input, f.output})
        fs::create_directories(d);
    const fs::path vocab = fs::path(f.models) / "tokenizers" / "bpe_simple_vocab_16e6.txt.gz";
    if (!fs::exists(vocab)) {
        std::string source;
        if (const char* env = std::getenv("TESSERA_CLIP_VOCAB")) source = env;
        else source = std::string(TESSERA_REFDATA_DIR) + "/bpe_simple_vocab_16e6.txt.gz";
        if (!fs::exists(source))
            throw Error("CLIP vocabulary not found at '" + source + "'; set TESSERA_CLIP_VOCAB to bpe_simple_vocab_16e6.txt.gz");
        fs::copy_file(source, vocab);
    }
    if (!fs::exists(f.checkpoint)) {
        std::fprintf(stderr, "writing %s ...\n", f.checkpoint.c_str());
        const double s = timed([&] { writeCheckpoint(f.checkpoint); });
        std::fprintf(stderr, "  %.2f GiB in %.1f s\n", double(fs::file_size(f.checkpoint)) / (1 << 30), s);
    }
    writeSourceImage(f.input + "/source.png", o.size);
    return f;
}

// The fastest of `repeats` calls, with that call's CPU seconds in lastCpuSeconds: on a host whose speed
// drifts by 10-15 % within minutes, the best of several calls moves less than one call does.
double fastestOf(int repeats, const std::function<void()>& f) {
    double best = 0, bestCpu = 0;
    for (int i = 0; i < repeats; ++i) {
        const double seconds = timed(f);
        if (i == 0 || seconds < best) best = seconds, bestCpu = lastCpuSeconds;
    }
    lastCpuSeconds = bestCpu;
    return best;
}

// ---- child: one path ------------------------------------------------------------------------------

void report(const std::string& row, double value) {
    std::printf("%s %.6f\n", row.c_str(), value);
    std::fflush(stdout);
}

// A timed row: wall seconds, then the CPU seconds of the same call as "<row>_cpu".
void reportTimed(const std::string& row, double wall) {
    report(row, wall);
    report(row + "_cpu", lastCpuSeconds);
}

// Each network on its own: load, encode a prompt, UNet steps, VAE encode and decode.
void runParts(const Options& o, const Folder& f, const std::string& precision) {
    LoadOptions load;
    load.modelDirs = {f.models};
    load.placement = resolvePlacement("cpu", precision);
    std::fprintf(stderr, "[%s] %s, %d threads\n", o.childPath.c_str(), load.placement.describe().c_str(),
                 at::get_num_threads());
    warmPageCache(f.checkpoint);
    LoadedCheckpoint ckpt;
    const double loadSeconds = timed([&] { ckpt = loadCheckpoint(f.checkpoint, load); });
    if (wanted(o, "load")) {
        reportTimed("load", loadSeconds);
        // Loaded again after freeing the first: the same work on memory this process just gave back. On a
        // virtual machine the first touch of fresh memory can cost several times the conversion itself
        // (the host backs the pages then); the second figure is the load without that.
        ckpt = LoadedCheckpoint{};
        reportTimed("load_again", timed([&] { ckpt = loadCheckpoint(f.checkpoint, load); }));
    }
    at::Tensor context;
    const double textSeconds = timed([&] { context = ckpt.text->encode(kPrompt); });
    if (wanted(o, "text")) report("text", textSeconds);

    const int64_t side = o.size / 8;
    for (const int batch : {1, 2}) {
        const std::string row = "unet" + std::to_string(batch);
        if (!wanted(o, row)) continue;
        at::manual_seed(2);
        const at::Tensor x = at::randn({batch, 4, side, side});
        const at::Tensor t = at::full({batch}, 749.0f);
        const at::Tensor c = context.expand({batch, context.size(1), context.size(2)});
        // A sampler calls the UNet once per step: time a step after the first (which also builds
        // oneDNN's kernels for these shapes), as the steps of a run see it.
        ckpt.model->unet->forward(x, t, c);
        reportTimed(row, fastestOf(o.repeats, [&] { ckpt.model->unet->forward(x, t, c); }));
        if (o.profile) bench::printOperatorProfile([&] { ckpt.model->unet->forward(x, t, c); });
    }
    at::Tensor latent;
    if (wanted(o, "vae_encode")) {
        const at::Tensor image = at::rand({1, 3, o.size, o.size}) * 2 - 1;
        reportTimed("vae_encode", timed([&] { latent = ckpt.vae->encode(image); }));
        // A second call, as an editor session or a server sees it (oneDNN's kernels built, pages faulted).
        reportTimed("vae_encode_again", fastestOf(o.repeats, [&] { ckpt.vae->encode(image); }));
        if (o.profile) bench::printOperatorProfile([&] { ckpt.vae->encode(image); });
    }
    if (wanted(o, "vae_decode")) {
        if (!latent.defined()) latent = at::randn({1, 4, side, side});
        reportTimed("vae_decode", timed([&] { ckpt.vae->decode(latent); }));
        reportTimed("vae_decode_again", fastestOf(o.repeats, [&] { ckpt.vae->decode(latent); }));
        if (o.profile) bench::printOperatorProfile([&] { ckpt.vae->decode(latent); });
    }
    report("parts_peak_rss", peakRssGiB());
}

Graph img2imgGraph(const Options& o) {
    Graph g;
    auto add = [&](const std::string& type, std::map<std::string, Value> widgets) {
        Node& n = g.addNode(type);
        n.widgets = std::move(widgets);
        return n.id;
    };
    const NodeId loader = add("CheckpointLoaderSimple", {{"ckpt_name", Value(std::string(kCheckpointName))}});
    const NodeId pos = add("CLIPTextEncode", {{"text", Value(std::string(kPrompt))}});
    const NodeId neg = add("CLIPTextEncode", {{"text", Value(std::string(kNegative))}});
    const NodeId image = add("LoadImage", {{"image", Value(std::string("source.png"))}});
    const NodeId encode = add("VAEEncode", {});
    const NodeId sampler = add("KSampler", {{"seed", Value(int64_t(42))},
                                            {"steps", Value(int64_t(o.steps))},
                                            {"cfg", Value(7.0)},
                                            {"sampler_name", Value(std::string("euler"))},
                                            {"scheduler", Value(std::string("normal"))},
                                            {"denoise", Value(0.75)}});
    const NodeId decode = add("VAEDecode", {});
    const NodeId save = add("SaveImage", {{"filename_prefix", Value(std::string("sd15-bench"))}});
    g.connect(loader, 1, pos, "clip");
    g.connect(loader, 1, neg, "clip");
    g.connect(image, 0, encode, "pixels");
    g.connect(loader, 2, encode, "vae");
    g.connect(loader, 0, sampler, "model");
    g.connect(pos, 0, sampler, "positive");
    g.connect(neg, 0, sampler, "negative");
    g.connect(encode, 0, sampler, "latent_image");
    g.connect(sampler, 0, decode, "samples");
    g.connect(loader, 2, decode, "vae");
    g.connect(decode, 0, save, "images");
    return g;
}

// The whole img2img as the CLI runs it: the real nodes through the Executor, output PNG written.
void runImg2img(const Options& o, const Folder& f, const std::string& precision) {
    Registry registry;
    nodes::registerBuiltinNodes(registry);
    Environment env;
    env.modelDirs = {f.models};
    env.inputDir = f.input;
    env.outputDir = f.output;
    env.tempDir = f.output;
    env.device = "cpu";
    env.precision = precision;
    warmPageCache(f.checkpoint);
    Executor executor(registry);
    std::map<std::string, double> nodeSeconds;
    const Graph graph = img2imgGraph(o);
    RunResult result;
    const double seconds = timed([&] {
        result = executor.run(graph, env, [&](const ExecEvent& e) {
            if (e.kind == ExecEvent::Kind::NodeDone) {
                const Node* n = graph.node(e.node);
                nodeSeconds[n ? n->type : "?"] += e.seconds;
            }
        });
    });
    if (!result.succeeded()) {
        std::string text = result.message;
        for (const auto& issue : result.issues) text += " | " + issue.message;
        throw Error("img2img run failed: " + text);
    }
    reportTimed("img2img", seconds);
    report("img2img_peak_rss", peakRssGiB());
    for (const auto& [type, s] : nodeSeconds) std::fprintf(stderr, "  %-22s %7.2f s\n", type.c_str(), s);
}

int runChild(const Options& o) {
    configureThreads(o.threads);
    holdFreedMemory();  // as the Executor does while graphs run (the parts rows run without one)
    const Folder f = folderAt(o.dir);
    const std::string precision = precisionOf(o.childPath);
    if (o.childPart == "img2img") runImg2img(o, f, precision);
    else runParts(o, f, precision);
    return 0;
}

// ---- parent ---------------------------------------------------------------------------------------

// Runs this program again as a child for one path and part; returns its "row value" lines.
std::map<std::string, double> spawn(const Options& o, const std::string& dir, const std::string& path,
                                    const std::string& part) {
    std::vector<std::string> args{"/proc/self/exe", "--child", path, "--part", part, "--dir", dir,
                                  "--size", std::to_string(o.size), "--steps", std::to_string(o.steps),
                                  "--threads", std::to_string(o.threads), "--repeats", std::to_string(o.repeats)};
    if (o.profile) args.push_back("--profile");
    std::string only;
    for (const auto& r : o.only) only += (only.empty() ? "" : ",") + r;
    if (!only.empty()) {
        args.push_back("--only");
        args.push_back(only);
    }
    int fds[2];
    if (::pipe(fds) != 0) throw Error("cannot create a pipe");
    std::fflush(stdout);
    std::fflush(stderr);
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(fds[1], STDOUT_FILENO);
        ::close(fds[0]);
        ::close(fds[1]);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(argv[0], argv.data());
        std::_Exit(127);
    }
    ::close(fds[1]);
    std::string text;
    char buffer[4096];
    for (ssize_t n; (n = ::read(fds[0], buffer, sizeof buffer)) > 0;) text.append(buffer, size_t(n));
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw Error("the " + path + " " + part + " child failed (status " + std::to_string(status) + ")");
    std::map<std::string, double> out;
    std::istringstream in(text);
    for (std::string row; in >> row;) in >> out[row];
    return out;
}

std::string cpuModel() {
    std::ifstream in("/proc/cpuinfo");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
    return "unknown CPU";
}

int runParent(const Options& o) {
    const Folder f = prepareFolder(o);
    std::map<std::string, std::map<std::string, double>> results;  // path -> row -> value
    const bool parts = o.only.empty() || std::any_of(o.only.begin(), o.only.end(), [](auto& r) { return r != "img2img"; });
    for (const auto& path : o.paths) {
        if (parts) results[path].merge(spawn(o, f.root, path, "parts"));
        if (wanted(o, "img2img")) results[path].merge(spawn(o, f.root, path, "img2img"));
    }

    const std::string fastDesc = resolvePlacement("cpu", "auto").describe();
    std::printf("\nSD1.5 shapes, random F16 checkpoint (%.2f GiB), %dx%d, %d steps at denoise 0.75, %d threads\n",
                double(fs::file_size(f.checkpoint)) / (1 << 30), o.size, o.size, o.steps, configureThreads(o.threads));
    std::printf("CPU: %s (%s); fast path = precision auto = %s\n", cpuModel().c_str(),
                cpuHasNativeBf16() ? "native bf16" : "no native bf16", fastDesc.c_str());
    if (o.repeats > 1) std::printf("UNet and second VAE rows: the fastest of %d calls\n", o.repeats);
    std::printf("\n");
    std::printf("| measurement |");
    for (const auto& p : o.paths) std::printf(" %s |", p.c_str());
    if (o.paths.size() == 2) std::printf(" ratio %s/%s |", o.paths[0].c_str(), o.paths[1].c_str());
    std::printf("\n|---|");
    for (size_t i = 0; i < o.paths.size() + (o.paths.size() == 2); ++i) std::printf("---:|");
    std::printf("\n");
    const std::vector<std::pair<std::string, std::string>> rows{
        {"load", "checkpoint load, warm cache (s)"},
        {"load_cpu", "  CPU time, all threads (s)"},
        {"load_again", "checkpoint load, second in the process (s)"},
        {"load_again_cpu", "  CPU time, all threads (s)"},
        {"text", "text encoding, 1 prompt (s)"},
        {"unet1", "UNet step, batch 1 (s)"},
        {"unet1_cpu", "  CPU time, all threads (s)"},
        {"unet2", "UNet CFG step, batch 2 (s)"},
        {"unet2_cpu", "  CPU time, all threads (s)"},
        {"vae_encode", "VAE encode (s)"},
        {"vae_encode_cpu", "  CPU time, all threads (s)"},
        {"vae_encode_again", "VAE encode, second call (s)"},
        {"vae_encode_again_cpu", "  CPU time, all threads (s)"},
        {"vae_decode", "VAE decode (s)"},
        {"vae_decode_cpu", "  CPU time, all threads (s)"},
        {"vae_decode_again", "VAE decode, second call (s)"},
        {"vae_decode_again_cpu", "  CPU time, all threads (s)"},
        {"img2img", "whole img2img (s)"},
        {"img2img_cpu", "  CPU time, all threads (s)"},
        {"img2img_peak_rss", "img2img peak RSS (GiB)"},
        {"parts_peak_rss", "peak RSS of the rows above img2img (GiB)"}};
    for (const auto& [key, label] : rows) {
        bool any = false;
        for (const auto& p : o.paths) any = any || results[p].count(key);
        if (!any) continue;
        std::printf("| %s |", label.c_str());
        for (const auto& p : o.paths) {
            if (results[p].count(key)) std::printf(" %.2f |", results[p][key]);
            else std::printf(" - |");
        }
        if (o.paths.size() == 2) {
            const auto& a = results[o.paths[0]];
            const auto& b = results[o.paths[1]];
            if (a.count(key) && b.count(key) && b.at(key) > 0) std::printf(" %.2fx |", a.at(key) / b.at(key));
            else std::printf(" - |");
        }
        std::printf("\n");
    }
    if (!o.keep && o.dir.empty()) fs::remove_all(f.root);
    else std::printf("\nkept %s\n", f.root.c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const Options o = parse(argc, argv);
        return o.childPath.empty() ? runParent(o) : runChild(o);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sd15_bench: %s\n", e.what());
        return 1;
    }
}
