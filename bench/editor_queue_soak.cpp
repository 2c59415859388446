// Soak of the editor's run queue (issue 18, part 5): the editor's own RunController, document,
// previews and output history run the tiny txt2img N times in a row, every 5th run cancelled at its
// first sampler step and every 7th refused in a node (an EmptyLatentImage far too large for the
// memory limit). Reports resident memory, open file descriptors and threads after the first 50
// runs and every 100 after. Run by hand (not a timed test):
//
//   editor_queue_soak [--runs 1000] [--refdata ../shared/refdata] [--clear-outputs-every N] [--free-every N]
//
// --free-every N calls RunController::freeMemory() every N runs (ComfyUI's /free), separating the
// output cache's growth within its budget from a leak.
#include "app/editor/graph_document.h"
#include "app/editor/node_list_model.h"
#include "app/editor/output_history.h"
#include "app/editor/preview_store.h"
#include "app/editor/run_controller.h"
#include "core/exec/memory_budget.h"
#include "nodes/builtin_nodes.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTemporaryDir>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

using namespace tessera;
using namespace tessera::editor;

namespace {

struct ProcessFigures {
    double rssMiB = 0;
    int fds = 0, threads = 0;
};

ProcessFigures processFigures() {
    ProcessFigures f;
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);) {
        if (line.rfind("VmRSS:", 0) == 0) f.rssMiB = std::atof(line.c_str() + 6) / 1024.0;
        if (line.rfind("Threads:", 0) == 0) f.threads = std::atoi(line.c_str() + 8);
    }
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++f.fds;
    return f;
}

bool connect(GraphDocument& doc, qint64 from, int slot, qint64 to, const char* input) {
    if (doc.connectPorts(from, slot, to, input)) return true;
    std::fprintf(stderr, "cannot link %s: %s\n", input, doc.lastError().toUtf8().constData());
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    int runs = 1000, clearOutputsEvery = 0, freeEvery = 0;
    std::string refdata = "../shared/refdata";
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--runs") runs = std::atoi(argv[i + 1]);
        if (a == "--refdata") refdata = argv[i + 1];
        if (a == "--clear-outputs-every") clearOutputsEvery = std::atoi(argv[i + 1]);
        if (a == "--free-every") freeEvery = std::atoi(argv[i + 1]);
    }
    refdata = std::filesystem::absolute(refdata).string();
    QTemporaryDir work;
    const std::string root = work.path().toStdString();
    std::filesystem::create_directories(root + "/models/checkpoints");
    std::filesystem::create_symlink(refdata + "/models/tiny-sd15.safetensors", root + "/models/checkpoints/tiny-sd15.safetensors");
    setenv("TESSERA_CLIP_VOCAB", (refdata + "/bpe_simple_vocab_16e6.txt.gz").c_str(), 1);

    Registry registry;
    nodes::registerBuiltinNodes(registry);
    GraphDocument doc(registry);
    NodeListModel nodes(&doc);
    PreviewStore previews;
    OutputHistory history;
    RunController runner(&doc, &nodes, &previews);
    runner.setOutputHistory(&history);
    Environment env;
    env.modelDirs = {root + "/models"};
    env.inputDir = root + "/input";
    env.outputDir = root + "/output";
    env.tempDir = root + "/temp";
    env.device = "cpu";
    env.precision = "fp32";
    runner.setEnvironment(env);
    setMemoryLimitForTesting(uint64_t(2) << 30);

    const qint64 ckpt = doc.addNode("CheckpointLoaderSimple", 0, 0), pos = doc.addNode("CLIPTextEncode", 300, 0),
                 neg = doc.addNode("CLIPTextEncode", 300, 200), latent = doc.addNode("EmptyLatentImage", 300, 400),
                 sampler = doc.addNode("KSampler", 600, 0), decode = doc.addNode("VAEDecode", 900, 0),
                 save = doc.addNode("SaveImage", 1200, 0);
    const bool linked = connect(doc, ckpt, 1, pos, "clip") && connect(doc, ckpt, 1, neg, "clip") &&
                        connect(doc, ckpt, 0, sampler, "model") && connect(doc, pos, 0, sampler, "positive") &&
                        connect(doc, neg, 0, sampler, "negative") && connect(doc, latent, 0, sampler, "latent_image") &&
                        connect(doc, sampler, 0, decode, "samples") && connect(doc, ckpt, 2, decode, "vae") &&
                        connect(doc, decode, 0, save, "images");
    if (!linked || !doc.setWidgetValue(ckpt, "ckpt_name", "tiny-sd15.safetensors") ||
        !doc.setWidgetValue(pos, "text", "a cat") || !doc.setWidgetValue(neg, "text", "blurry") ||
        !doc.setWidgetValue(latent, "width", 64) || !doc.setWidgetValue(latent, "height", 64) ||
        !doc.setWidgetValue(sampler, "steps", 4))
        return 1;

    int finished = 0, succeeded = 0, cancelled = 0, failed = 0, cancelRun = -1;
    QObject::connect(&runner, &RunController::runFinished, [&](int runId, bool ok, const QString& message) {
        ++finished;
        if (ok) ++succeeded;
        else if (runId == cancelRun || message.contains("ancel")) ++cancelled;
        else ++failed;
    });
    QObject::connect(&runner, &RunController::progressChanged, [&] {
        if (cancelRun >= 0 && runner.progress() > 0) runner.cancel(cancelRun);
    });

    QElapsedTimer clock;
    clock.start();
    ProcessFigures at50;
    std::printf("%6s %10s %5s %8s %9s %9s %7s %7s\n", "runs", "RSS MiB", "fds", "threads", "succeeded", "cancelled",
                "failed", "s");
    for (int i = 1; i <= runs; ++i) {
        const bool refuse = i % 7 == 0, cancel = !refuse && i % 5 == 0;
        doc.setWidgetValue(sampler, "seed", i);
        doc.setWidgetValue(latent, "width", refuse ? 16384 : 64);
        doc.setWidgetValue(latent, "height", refuse ? 16384 : 64);
        doc.setWidgetValue(latent, "batch_size", refuse ? 64 : 1);
        const int id = runner.run();
        cancelRun = cancel ? id : -1;
        while (finished < i) QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
        cancelRun = -1;
        if (clearOutputsEvery > 0 && i % clearOutputsEvery == 0) {
            std::filesystem::remove_all(root + "/output");
            previews.clear();
        }
        if (freeEvery > 0 && i % freeEvery == 0) runner.freeMemory();
        if (i == 50 || i % 100 == 0 || i == runs) {
            const ProcessFigures f = processFigures();
            if (i == 50) at50 = f;
            std::printf("%6d %10.1f %5d %8d %9d %9d %7d %7.1f\n", i, f.rssMiB, f.fds, f.threads, succeeded, cancelled,
                        failed, clock.elapsed() / 1000.0);
            std::fflush(stdout);
        }
    }
    const ProcessFigures end = processFigures();
    if (runs >= 50)
        std::printf("RSS after 50 runs %.1f MiB, after %d: %.1f MiB (%+.1f %%); fds %d -> %d; threads %d -> %d; history %d images\n",
                    at50.rssMiB, runs, end.rssMiB, 100.0 * (end.rssMiB - at50.rssMiB) / at50.rssMiB, at50.fds, end.fds,
                    at50.threads, end.threads, history.rowCount());
    return 0;
}
