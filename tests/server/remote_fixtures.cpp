#include "tests/server/remote_fixtures.h"

#include "tests/cli/cli_runner.h"
#include "tests/server/server_harness.h"

#include "core/io/comfyui_import.h"
#include "nodes/builtin_nodes.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>

namespace tessera::test {

const Registry& builtinRegistry() {
    static const Registry* registry = [] {
        auto* r = new Registry;
        nodes::registerBuiltinNodes(*r);
        return r;
    }();
    return *registry;
}

Graph tinyTxt2img(const std::string& prefix, int64_t seed, int steps) {
    const std::string prompt = R"({"1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "tiny-sd15.safetensors"}},
 "2": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["1", 1], "text": "a cat"}},
 "3": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["1", 1], "text": "blurry"}},
 "4": {"class_type": "EmptyLatentImage", "inputs": {"batch_size": 1, "height": 64, "width": 64}},
 "5": {"class_type": "KSampler", "inputs": {"cfg": 7.0, "denoise": 1.0, "latent_image": ["4", 0], "model": ["1", 0],
   "negative": ["3", 0], "positive": ["2", 0], "sampler_name": "euler", "scheduler": "normal", "seed": )" +
                               std::to_string(seed) + R"(, "steps": )" + std::to_string(steps) + R"(}},
 "8": {"class_type": "VAEDecode", "inputs": {"samples": ["5", 0], "vae": ["1", 2]}},
 "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": ")" + prefix + R"(", "images": ["8", 0]}}})";
    LoadReport report;
    return importComfyPrompt(parseJson(prompt, "test prompt"), builtinRegistry(), report);
}

QStringList servedModels() {
    return {"--models", QString::fromStdString(refdataModelsDir()), "--device", "cpu", "--precision", "fp32", "--threads", "2"};
}

size_t filesIn(const QString& dir) { return size_t(QDir(dir).entryList(QDir::Files).size()); }

bool waitUntil(const std::function<bool()>& done, int seconds) {
    ensureQtApp();
    QElapsedTimer clock;
    clock.start();
    while (!done() && clock.elapsed() < seconds * 1000) QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    return done();
}

}  // namespace tessera::test
