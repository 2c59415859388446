#pragma once
// Shared by the core/io tests: node declarations mirroring ComfyUI's real inputs (same order),
// fixture paths, and a tiny valid PNG built by hand.
#include "core/common/error.h"
#include "core/graph/port_types.h"
#include "core/graph/registry.h"
#include "tests/support/refdata.h"

#include <QByteArray>
#include <QFile>
#include <QString>
#include <gtest/gtest.h>
#include <zlib.h>

#include <source_location>
#include <string>

namespace tessera::test {

inline InputDecl port(const std::string& name, std::string_view type) {
    InputDecl d;
    d.name = name;
    d.type = std::string(type);
    return d;
}

inline InputDecl widget(const std::string& name, std::string_view type, Value def) {
    InputDecl d = port(name, type);
    d.defaultValue = std::move(def);
    return d;
}

inline void addDecl(Registry& r, const std::string& type, const std::string& display, std::vector<InputDecl> inputs,
                    std::vector<OutputDecl> outputs, bool isOutput = false) {
    NodeDecl d;
    d.type = type;
    d.displayName = display;
    d.inputs = std::move(inputs);
    d.outputs = std::move(outputs);
    d.isOutput = isOutput;
    d.run = [](NodeContext&) { return std::vector<Value>{}; };
    r.add(std::move(d));
}

// ComfyUI's core nodes as far as the fixtures use them, inputs in ComfyUI's order.
inline void registerComfyNodes(Registry& r) {
    using namespace tessera::types;
    InputDecl ckpt = widget("ckpt_name", Combo, Value());
    ckpt.choicesFrom = "checkpoints";
    ckpt.isFile = true;
    addDecl(r, "CheckpointLoaderSimple", "Load Checkpoint", {ckpt},
            {{"MODEL", "MODEL"}, {"CLIP", "CLIP"}, {"VAE", "VAE"}});
    InputDecl text = widget("text", String, Value(""));
    text.multiline = true;
    addDecl(r, "CLIPTextEncode", "CLIP Text Encode (Prompt)", {text, port("clip", Clip)},
            {{"CONDITIONING", "CONDITIONING"}});
    InputDecl seed = widget("seed", Int, Value(int64_t(0)));
    seed.min = 0;
    seed.max = 18446744073709551615.0;
    seed.controlAfterGenerate = true;
    InputDecl steps = widget("steps", Int, Value(20));
    steps.min = 1;
    steps.max = 10000;
    InputDecl cfg = widget("cfg", Float, Value(8.0));
    cfg.min = 0;
    cfg.max = 100;
    InputDecl sampler = widget("sampler_name", Combo, Value("euler"));
    sampler.choices = {"euler", "euler_ancestral", "heun", "dpm_2", "dpmpp_2m", "ddim"};
    InputDecl scheduler = widget("scheduler", Combo, Value("normal"));
    scheduler.choices = {"normal", "karras", "exponential", "simple"};
    InputDecl denoise = widget("denoise", Float, Value(1.0));
    denoise.min = 0;
    denoise.max = 1;
    addDecl(r, "KSampler", "KSampler",
            {port("model", Model), seed, steps, cfg, sampler, scheduler, port("positive", Conditioning),
             port("negative", Conditioning), port("latent_image", Latent), denoise},
            {{"LATENT", "LATENT"}});
    addDecl(r, "VAEDecode", "VAE Decode", {port("samples", Latent), port("vae", Vae)}, {{"IMAGE", "IMAGE"}});
    addDecl(r, "VAEEncode", "VAE Encode", {port("pixels", Image), port("vae", Vae)}, {{"LATENT", "LATENT"}});
    InputDecl image = widget("image", Combo, Value());
    image.choicesFrom = "input";
    image.isFile = true;
    addDecl(r, "LoadImage", "Load Image", {image}, {{"IMAGE", "IMAGE"}, {"MASK", "MASK"}});
    addDecl(r, "SaveImage", "Save Image", {port("images", Image), widget("filename_prefix", String, Value("ComfyUI"))}, {},
            true);
    addDecl(r, "EmptyLatentImage", "Empty Latent Image",
            {widget("width", Int, Value(512)), widget("height", Int, Value(512)), widget("batch_size", Int, Value(1))},
            {{"LATENT", "LATENT"}});
    addDecl(r, "ImageInvert", "Invert Image", {port("image", Image)}, {{"IMAGE", "IMAGE"}});
}

inline QByteArray readFixture(const std::string& name) {
    QFile f(QString::fromStdString(sourceDir() + "/tests/core/data/" + name));
    EXPECT_TRUE(f.open(QIODevice::ReadOnly)) << name;
    return f.readAll();
}

inline void appendPngChunk(QByteArray& out, const char* type, const QByteArray& data) {
    const uint32_t n = uint32_t(data.size());
    const char len[4] = {char(n >> 24), char(n >> 16), char(n >> 8), char(n)};
    out.append(len, 4);
    QByteArray body = QByteArray(type, 4) + data;
    out.append(body);
    const uint32_t crc = uint32_t(crc32(0, reinterpret_cast<const Bytef*>(body.constData()), uInt(body.size())));
    const char c[4] = {char(crc >> 24), char(crc >> 16), char(crc >> 8), char(crc)};
    out.append(c, 4);
}

// A valid 2x1 RGB PNG with optional extra chunks between IHDR and IDAT.
inline QByteArray makeTinyPng(const std::vector<std::pair<const char*, QByteArray>>& extra = {}) {
    QByteArray png("\x89PNG\r\n\x1a\n", 8);
    const char ihdr[13] = {0, 0, 0, 2, 0, 0, 0, 1, 8, 2, 0, 0, 0};
    appendPngChunk(png, "IHDR", QByteArray(ihdr, 13));
    for (const auto& [type, data] : extra) appendPngChunk(png, type, data);
    const unsigned char raw[7] = {0, 255, 0, 0, 0, 0, 255};
    unsigned char z[64];
    uLongf zlen = sizeof z;
    compress(z, &zlen, raw, sizeof raw);
    appendPngChunk(png, "IDAT", QByteArray(reinterpret_cast<const char*>(z), qsizetype(zlen)));
    appendPngChunk(png, "IEND", QByteArray());
    return png;
}

// Runs `f`, expecting a tessera::Error whose message contains every part.
template <class F>
void expectError(F&& f, std::initializer_list<std::string> parts,
                 std::source_location at = std::source_location::current()) {
    try {
        f();
        ADD_FAILURE_AT(at.file_name(), int(at.line())) << "no error was thrown";
    } catch (const Error& e) {
        const std::string msg = e.what();
        for (const auto& p : parts)
            if (msg.find(p) == std::string::npos)
                ADD_FAILURE_AT(at.file_name(), int(at.line())) << "'" << p << "' not in: " << msg;
    }
}

}  // namespace tessera::test
