// libFuzzer target: every graph file reader gets the same bytes. Bad input must end in
// tessera::Error, never a crash, hang or over-read; a graph that loads must save and load again
// to the same bytes.
#include "core/common/error.h"
#include "core/io/bundle.h"
#include "core/io/comfyui_import.h"
#include "core/io/graph_json.h"
#include "core/io/png_metadata.h"

#include <cstdio>
#include <cstdlib>

using namespace tessera;

namespace {

const Registry& registry() {
    static Registry* reg = [] {
        auto* r = new Registry;
        auto add = [r](const char* type, std::vector<InputDecl> in, std::vector<OutputDecl> out) {
            NodeDecl d;
            d.type = type;
            d.displayName = type;
            d.inputs = std::move(in);
            d.outputs = std::move(out);
            d.run = [](NodeContext&) { return std::vector<Value>{}; };
            r->add(std::move(d));
        };
        auto w = [](const char* name, const char* type, Value def) {
            InputDecl d;
            d.name = name;
            d.type = type;
            d.defaultValue = std::move(def);
            return d;
        };
        InputDecl seed = w("seed", "INT", Value(0));
        seed.controlAfterGenerate = true;
        InputDecl image = w("image", "COMBO", Value());
        image.choicesFrom = "input";
        add("KSampler",
            {w("model", "MODEL", {}), seed, w("steps", "INT", Value(20)), w("cfg", "FLOAT", Value(8.0)),
             w("sampler_name", "COMBO", Value("euler")), w("scheduler", "COMBO", Value("normal")),
             w("positive", "CONDITIONING", {}), w("negative", "CONDITIONING", {}), w("latent_image", "LATENT", {}),
             w("denoise", "FLOAT", Value(1.0))},
            {{"LATENT", "LATENT"}});
        add("LoadImage", {image}, {{"IMAGE", "IMAGE"}, {"MASK", "MASK"}});
        add("CLIPTextEncode", {w("text", "STRING", Value("")), w("clip", "CLIP", {})}, {{"CONDITIONING", "CONDITIONING"}});
        add("VAEDecode", {w("samples", "LATENT", {}), w("vae", "VAE", {})}, {{"IMAGE", "IMAGE"}});
        add("SaveImage", {w("images", "IMAGE", {}), w("filename_prefix", "STRING", Value("x")), w("flag", "BOOLEAN", Value(false))}, {});
        return r;
    }();
    return *reg;
}

void checkRoundTrip(const Graph& g) {
    const QByteArray once = graphToJson(g);
    LoadReport report;
    const QByteArray twice = graphToJson(graphFromJson(once, &registry(), &report));
    if (once != twice) {
        std::fprintf(stderr, "graph.json round trip changed the file:\n%s\n---\n%s\n", once.constData(), twice.constData());
        std::abort();
    }
    (void)graphToComfyPrompt(g, registry());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const QByteArray bytes(reinterpret_cast<const char*>(data), qsizetype(size));
    try {
        LoadReport report;
        checkRoundTrip(graphFromJson(bytes, &registry(), &report));
    } catch (const Error&) {
    }
    try {
        LoadReport report;
        checkRoundTrip(importGraph(bytes, registry(), report));
    } catch (const Error&) {
    }
    try {
        (void)readPngText(bytes);
        LoadReport report;
        checkRoundTrip(graphFromPng(bytes, registry(), report));
    } catch (const Error&) {
    }
    try {
        LoadReport report;
        checkRoundTrip(bundleFromZip(bytes, &registry(), &report).graph);
    } catch (const Error&) {
    }
    return 0;
}
