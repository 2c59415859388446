// Inpainting from a painted mask, end to end on the tiny models: a stroke painted with the mask
// engine, saved as the editor saves it, read by PaintedMask, "only masked" crop, sampling with the
// 9-channel inpainting checkpoint or VAEEncodeForInpaint, and the stitch back. Also: the painted
// mask travels in .tessera bundles, and repainting it re-runs only what depends on it.
#include "core/io/bundle.h"
#include "core/mask/mask_png.h"
#include "core/mask/stroke_rasterizer.h"
#include "nodes/builtin_nodes.h"
#include "nodes/image_convert.h"
#include "nodes/inpaint_crop.h"
#include "nodes/values.h"
#include "tests/nodes/node_test_support.h"
#include "tests/support/refdata.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace tessera;
using namespace tessera::test;
namespace fs = std::filesystem;

namespace {

void writeBytes(const std::string& path, const char* data, size_t size) {
    std::ofstream(path, std::ios::binary).write(data, std::streamsize(size));
}

std::vector<uint8_t> readBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

class InpaintPipeline : public ::testing::Test {
protected:
    InpaintPipeline() {
        nodes::registerBuiltinNodes(registry);
        env = models.env();
        root = makeTempDir("inpaint");
        for (const char* sub : {"input", "output"}) fs::create_directories(fs::path(root) / sub);
        env.inputDir = root + "/input";
        env.outputDir = root + "/output";
        env.tempDir = root + "/output";
        at::manual_seed(2);
        source8 = at::randint(0, 256, {1, 80, 96, 3}).to(at::kFloat) / 255.0;
        const QByteArray png = nodes::encodePng(source8[0]);
        writeBytes(env.inputDir + "/photo.png", png.constData(), size_t(png.size()));
        paint({30.5f, 30.5f}, {50.5f, 50.5f});  // crop 51x51 -> 64x64
    }
    ~InpaintPipeline() override {
        std::error_code ec;
        fs::remove_all(root, ec);
    }

    // A stroke on the mask, saved to input/mask.png as the editor would.
    void paint(mask::StrokePoint from, mask::StrokePoint to) {
        mask::BrushSettings brush;
        brush.radius = 8;
        brush.hardness = 0.7f;
        mask::paintLine(painted, brush, from, to);
        const std::vector<uint8_t> png = mask::encodeMaskPng(painted);
        writeBytes(env.inputDir + "/mask.png", reinterpret_cast<const char*>(png.data()), png.size());
    }

    // LoadImage + PaintedMask -> InpaintCrop -> (InpaintModelConditioning | VAEEncodeForInpaint) -> KSampler
    // -> VAEDecode -> InpaintStitch -> SaveImage.
    void build(bool inpaintingModel) {
        load = b.add("LoadImage", {{"image", "photo.png"}});
        maskNode = b.add("PaintedMask", {{"mask_file", "mask.png"}});
        b.link(load, 0, maskNode, "image");
        crop = b.add("InpaintCrop", {{"padding", 8}, {"target_size", 64}});
        b.link(load, 0, crop, "image");
        b.link(maskNode, 0, crop, "mask");
        ckpt = b.add("CheckpointLoaderSimple", {{"ckpt_name", inpaintingModel ? "tiny-sd15-inpainting.safetensors"
                                                                             : "tiny-sd15.safetensors"}});
        const NodeId pos = b.add("CLIPTextEncode", {{"text", "a red apple"}});
        const NodeId neg = b.add("CLIPTextEncode", {{"text", "blurry"}});
        b.link(ckpt, 1, pos, "clip");
        b.link(ckpt, 1, neg, "clip");
        sampler = b.add("KSampler", {{"seed", 7}, {"steps", 2}, {"cfg", 4.0}, {"sampler_name", "euler"},
                                     {"scheduler", "normal"}, {"denoise", 1.0}});
        b.link(ckpt, 0, sampler, "model");
        if (inpaintingModel) {
            const NodeId imc = b.add("InpaintModelConditioning", {{"noise_mask", true}});
            b.link(pos, 0, imc, "positive");
            b.link(neg, 0, imc, "negative");
            b.link(ckpt, 2, imc, "vae");
            b.link(crop, 0, imc, "pixels");
            b.link(crop, 1, imc, "mask");
            b.link(imc, 0, sampler, "positive");
            b.link(imc, 1, sampler, "negative");
            b.link(imc, 2, sampler, "latent_image");
        } else {
            const NodeId encode = b.add("VAEEncodeForInpaint", {{"grow_mask_by", 6}});
            b.link(crop, 0, encode, "pixels");
            b.link(ckpt, 2, encode, "vae");
            b.link(crop, 1, encode, "mask");
            b.link(pos, 0, sampler, "positive");
            b.link(neg, 0, sampler, "negative");
            b.link(encode, 0, sampler, "latent_image");
        }
        const NodeId decode = b.add("VAEDecode");
        b.link(sampler, 0, decode, "samples");
        b.link(ckpt, 2, decode, "vae");
        stitch = b.add("InpaintStitch", {{"feather", 4}});
        b.link(load, 0, stitch, "source");
        b.link(decode, 0, stitch, "inpainted");
        b.link(crop, 2, stitch, "crop_info");
        b.link(maskNode, 0, stitch, "mask");
        save = b.add("SaveImage", {{"filename_prefix", "inpainted"}});
        b.link(stitch, 0, save, "images");
    }

    RunResult run() {
        RunResult r = executor.run(b.graph, env);
        EXPECT_TRUE(r.succeeded()) << r.message;
        return r;
    }

    // The saved PNG's pixels, and which of them the stitch may change (feathered painted mask > 0).
    void checkSavedImage(const std::string& file) {
        const nodes::DecodedImage saved = nodes::readImageFile(env.outputDir + "/" + file);
        ASSERT_EQ(saved.rgb.sizes(), source8.sizes());
        const at::Tensor maskTensor =
            at::from_blob(const_cast<uint8_t*>(painted.bytes().data()), {1, 80, 96}, at::kByte).to(at::kFloat) / 255.0;
        const at::Tensor weights = nodes::featherInpaintMask(maskTensor, 4);
        const at::Tensor keep = weights.eq(0).unsqueeze(3).expand_as(source8);
        EXPECT_GT(keep.sum().item<int64_t>(), source8.numel() / 2);
        // The saved 8-bit values outside the feathered mask are the source file's values.
        EXPECT_TRUE(saved.rgb.masked_select(keep).equal(source8.masked_select(keep)));
        const at::Tensor repainted = maskTensor.eq(1).unsqueeze(3).expand_as(source8);
        EXPECT_GT((saved.rgb.masked_select(repainted) - source8.masked_select(repainted)).abs().mean().item<double>(),
                  0.05);
    }

    Registry registry;
    Executor executor{registry};
    ModelsFolder models;
    Environment env;
    std::string root;
    GraphBuilder b;
    mask::MaskImage painted{96, 80};
    at::Tensor source8;
    NodeId load = 0, maskNode = 0, crop = 0, ckpt = 0, sampler = 0, stitch = 0, save = 0;
};

}  // namespace

TEST_F(InpaintPipeline, OnlyMaskedWithTheInpaintingModelKeepsUnmaskedPixelsExactly) {
    build(true);
    const RunResult r = run();
    const at::Tensor stitched = outputTensor(r, stitch);
    ASSERT_EQ(stitched.sizes(), source8.sizes());
    checkSavedImage("inpainted_00001_.png");
}

TEST_F(InpaintPipeline, OnlyMaskedWithVaeEncodeForInpaintKeepsUnmaskedPixelsExactly) {
    build(false);
    run();
    checkSavedImage("inpainted_00001_.png");
}

TEST_F(InpaintPipeline, RepaintingTheMaskReRunsOnlyWhatDependsOnIt) {
    build(true);
    run();
    paint({20.5f, 60.5f}, {70.5f, 62.5f});
    run();
    const ExecutionStats& stats = executor.stats();
    for (const char* once : {"LoadImage", "CheckpointLoaderSimple"}) EXPECT_EQ(stats.executionsOfType(once), 1) << once;
    EXPECT_EQ(stats.executionsOfType("CLIPTextEncode"), 2);  // positive and negative, once each
    for (const char* twice : {"PaintedMask", "InpaintCrop", "InpaintModelConditioning", "KSampler", "VAEDecode",
                              "InpaintStitch", "SaveImage"})
        EXPECT_EQ(stats.executionsOfType(twice), 2) << twice;
    checkSavedImage("inpainted_00002_.png");

    run();  // nothing changed: only the output node runs again
    EXPECT_EQ(stats.executionsOfType("KSampler"), 2);
    EXPECT_EQ(stats.executionsOfType("PaintedMask"), 2);
}

TEST_F(InpaintPipeline, ThePaintedMaskTravelsInTheBundleByteForByte) {
    build(true);
    const std::vector<uint8_t> maskFile = readBytes(env.inputDir + "/mask.png");
    const std::vector<std::string> names = inputFileNames(b.graph, registry);
    EXPECT_EQ(names, (std::vector<std::string>{"mask.png", "photo.png"}));

    Bundle bundle;
    bundle.graph = b.graph;
    bundle.files = collectInputFiles(b.graph, registry, QString::fromStdString(env.inputDir));
    const QString path = QString::fromStdString(root + "/graph.tessera");
    saveBundle(path, bundle);
    const Bundle reopened = loadBundle(path, &registry);
    ASSERT_EQ(reopened.files.count("mask.png"), 1u);
    const QByteArray& stored = reopened.files.at("mask.png");
    EXPECT_EQ(std::vector<uint8_t>(stored.begin(), stored.end()), maskFile);

    // Extracted on "another machine", the mask node gives the same mask.
    const std::string elsewhere = root + "/elsewhere";
    extractInputFiles(reopened, QString::fromStdString(elsewhere));
    EXPECT_EQ(readBytes(elsewhere + "/mask.png"), maskFile);
    Environment other = env;
    other.inputDir = elsewhere;
    const NodeId reopenedMask = maskNode;
    const RunResult here = executor.run(b.graph, env, {}, {reopenedMask});
    Executor fresh{registry};  // nothing cached from `here`
    const RunResult there = fresh.run(reopened.graph, other, {}, {reopenedMask});
    ASSERT_TRUE(there.succeeded()) << there.message;
    EXPECT_TRUE(outputTensor(there, reopenedMask).equal(outputTensor(here, reopenedMask)));
}
