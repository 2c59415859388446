#include "tests/fuzz/graph_fuzz_support.h"

#include "core/io/comfyui_import.h"
#include "core/io/graph_json.h"

#include <cstdio>
#include <cstdlib>

namespace tessera::fuzz {

namespace {

InputDecl widget(const char* name, const char* type, Value def) {
    InputDecl d;
    d.name = name;
    d.type = type;
    d.defaultValue = std::move(def);
    return d;
}

void declare(Registry& r, const char* type, std::vector<InputDecl> in, std::vector<OutputDecl> out) {
    NodeDecl d;
    d.type = type;
    d.displayName = type;
    d.inputs = std::move(in);
    d.outputs = std::move(out);
    d.run = [](NodeContext&) { return std::vector<Value>{}; };
    r.add(std::move(d));
}

Registry* makeRegistry() {
    auto* r = new Registry;
    InputDecl seed = widget("seed", "INT", Value(0));
    seed.controlAfterGenerate = true;
    InputDecl image = widget("image", "COMBO", Value());
    image.choicesFrom = "input";
    InputDecl checkpoint = widget("ckpt_name", "COMBO", Value());
    checkpoint.choicesFrom = "checkpoints";
    declare(*r, "CheckpointLoaderSimple", {checkpoint}, {{"MODEL", "MODEL"}, {"CLIP", "CLIP"}, {"VAE", "VAE"}});
    declare(*r, "KSampler",
            {widget("model", "MODEL", {}), seed, widget("steps", "INT", Value(20)), widget("cfg", "FLOAT", Value(8.0)),
             widget("sampler_name", "COMBO", Value("euler")), widget("scheduler", "COMBO", Value("normal")),
             widget("positive", "CONDITIONING", {}), widget("negative", "CONDITIONING", {}),
             widget("latent_image", "LATENT", {}), widget("denoise", "FLOAT", Value(1.0))},
            {{"LATENT", "LATENT"}});
    declare(*r, "EmptyLatentImage",
            {widget("width", "INT", Value(512)), widget("height", "INT", Value(512)), widget("batch_size", "INT", Value(1))},
            {{"LATENT", "LATENT"}});
    declare(*r, "LoadImage", {image}, {{"IMAGE", "IMAGE"}, {"MASK", "MASK"}});
    declare(*r, "CLIPTextEncode", {widget("text", "STRING", Value("")), widget("clip", "CLIP", {})},
            {{"CONDITIONING", "CONDITIONING"}});
    declare(*r, "VAEEncode", {widget("pixels", "IMAGE", {}), widget("vae", "VAE", {})}, {{"LATENT", "LATENT"}});
    declare(*r, "VAEDecode", {widget("samples", "LATENT", {}), widget("vae", "VAE", {})}, {{"IMAGE", "IMAGE"}});
    declare(*r, "SaveImage",
            {widget("images", "IMAGE", {}), widget("filename_prefix", "STRING", Value("x")),
             widget("flag", "BOOLEAN", Value(false))},
            {});
    return r;
}

}  // namespace

const Registry& graphFuzzRegistry() {
    static const Registry* registry = makeRegistry();
    return *registry;
}

void checkRoundTrip(const Graph& graph) {
    const QByteArray once = graphToJson(graph);
    LoadReport report;
    const QByteArray twice = graphToJson(graphFromJson(once, &graphFuzzRegistry(), &report));
    if (once != twice) {
        std::fprintf(stderr, "graph.json round trip changed the file:\n%s\n---\n%s\n", once.constData(), twice.constData());
        std::abort();
    }
    (void)graphToComfyPrompt(graph, graphFuzzRegistry());
}

}  // namespace tessera::fuzz
