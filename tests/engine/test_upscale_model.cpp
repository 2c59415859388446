// Upscale models against tests/fixtures/upscale (make_upscale_fixtures.py: tiny RRDBNets in both
// key layouts at x1/x2/x4 and an SRVGGNetCompact, random weights, each as .pth and .safetensors,
// with PyTorch's outputs): hyper-parameters from shapes, outputs, ComfyUI's tiling, and the
// errors for hostile, corrupt and unknown files.
#include "core/engine/files/safetensors.h"
#include "core/engine/networks/upscale_model.h"
#include "tests/support/error_message.h"
#include "tests/support/refdata.h"
#include "tests/support/tensor_compare.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace tessera;
using namespace tessera::engine;
using tessera::test::errorOf;
namespace fs = std::filesystem;

namespace {

std::string upscaleFixture(const std::string& name) { return test::sourceDir() + "/tests/fixtures/upscale/" + name; }

const std::map<std::string, at::Tensor>& expectedOutputs() {
    static const auto tensors = loadAllTensors(upscaleFixture("expected.safetensors"));
    return tensors;
}

bool mentions(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

struct FixtureModel {
    std::string name;
    UpscaleArch arch;
    bool esrganLayout;
    int64_t scale, blocks, upsamplings, unshuffle;
};

class UpscaleFixture : public ::testing::TestWithParam<FixtureModel> {};

}  // namespace

TEST_P(UpscaleFixture, ShapesGiveTheConfigAndBothFilesPaintPyTorchsPixels) {
    const FixtureModel& m = GetParam();
    const at::Tensor input = expectedOutputs().at("input");
    const at::Tensor want = expectedOutputs().at(m.name);
    at::Tensor first;
    for (const char* ext : {".pth", ".safetensors"}) {
        SCOPED_TRACE(m.name + ext);
        const auto model = loadUpscaleModelFile(upscaleFixture(m.name + ext));
        const UpscaleModelConfig& c = model->config();
        EXPECT_EQ(c.arch, m.arch);
        EXPECT_EQ(c.esrganLayout, m.esrganLayout);
        EXPECT_EQ(c.scale, m.scale);
        EXPECT_EQ(c.blocks, m.blocks);
        EXPECT_EQ(c.features, 4);
        EXPECT_EQ(c.inChannels, 3);
        EXPECT_EQ(c.outChannels, 3);
        if (m.arch == UpscaleArch::RrdbNet) {
            EXPECT_EQ(c.growth, 2);
            EXPECT_EQ(c.upsamplings, m.upsamplings);
            EXPECT_EQ(c.unshuffle, m.unshuffle);
        }
        const at::Tensor got = model->forward(input);
        ASSERT_EQ(got.sizes(), want.sizes());
        EXPECT_TRUE(test::closeToReference(got, want, 1e-5));
        if (!first.defined()) first = got;
        else EXPECT_TRUE(at::equal(first, got)) << ".pth and .safetensors differ";
    }
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, UpscaleFixture,
    ::testing::Values(FixtureModel{"rrdb_new_x4", UpscaleArch::RrdbNet, false, 4, 2, 2, 1},
                      FixtureModel{"rrdb_new_x2", UpscaleArch::RrdbNet, false, 2, 1, 2, 2},
                      FixtureModel{"rrdb_new_x1", UpscaleArch::RrdbNet, false, 1, 1, 2, 4},
                      FixtureModel{"rrdb_old_x4", UpscaleArch::RrdbNet, true, 4, 1, 2, 1},
                      FixtureModel{"rrdb_old_x2", UpscaleArch::RrdbNet, true, 2, 1, 1, 1},
                      FixtureModel{"rrdb_old_x1", UpscaleArch::RrdbNet, true, 1, 1, 0, 1},  // "module." names
                      FixtureModel{"srvgg_x4", UpscaleArch::SrVggCompact, false, 4, 2, 0, 1}),
    [](const ::testing::TestParamInfo<FixtureModel>& info) { return info.param.name; });

TEST(UpscaleTiling, MatchesComfyUIsTiledScale) {
    // tiled_scale with 12-pixel tiles overlapping by 4 on a 20x24 image: 2 x 3 tiles, feathered seams.
    const auto model = loadUpscaleModelFile(upscaleFixture("rrdb_new_x2.safetensors"));
    const at::Tensor input = expectedOutputs().at("tiled_input");
    std::vector<std::pair<int64_t, int64_t>> progress;
    const at::Tensor got = tiledUpscale(input, 2, 3, {12, 4}, [&](const at::Tensor& t) { return model->forward(t); },
                                        [&](int64_t done, int64_t total) { progress.emplace_back(done, total); });
    EXPECT_TRUE(test::closeToReference(got, expectedOutputs().at("tiled_rrdb_new_x2_t12_o4"), 1e-5));
    EXPECT_EQ(upscaleTileCount(20, 24, {12, 4}), 6);
    ASSERT_EQ(progress.size(), 6u);
    for (size_t i = 0; i < progress.size(); ++i) EXPECT_EQ(progress[i], std::make_pair(int64_t(i + 1), int64_t(6)));
}

TEST(UpscaleTiling, OneTileIsTheWholeImageAndSmallTilesStayClose) {
    const auto model = loadUpscaleModelFile(upscaleFixture("rrdb_old_x4.pth"));
    at::manual_seed(7);
    const at::Tensor image = at::rand({1, 3, 40, 36});
    const at::Tensor whole = model->forward(image);
    EXPECT_TRUE(at::equal(model->upscale(image, {64, 8}), whole));
    // Each output pixel depends on about 17 input pixels around it (the first and trunk convolutions and
    // 3 x 5 dense ones, all 3x3), so tiles differ from the whole image near their edges; the feathered
    // 8-pixel overlaps hide most of it. Measured: max 0.0030, mean 0.00029 on outputs
    // between 0.065 and 0.168; bound: max 0.005, mean 0.0005.
    const at::Tensor tiled = model->upscale(image, {16, 8});
    EXPECT_LT(test::maxAbsDiff(tiled, whole), 0.005);
    EXPECT_LT((tiled - whole).abs().mean().item<double>(), 0.0005);
    EXPECT_GT(test::maxAbsDiff(tiled, whole), 0.0) << "small tiles should not be the whole image";
}

TEST(UpscaleTiling, RefusesAnOverlapAsLargeAsTheTile) {
    const at::Tensor image = at::zeros({1, 3, 40, 40});
    const std::string e = errorOf([&] { tiledUpscale(image, 2, 3, {16, 16}, [](const at::Tensor& t) { return t; }); });
    EXPECT_TRUE(mentions(e, "invalid tiling")) << e;
}

class UpscaleModelErrors : public ::testing::Test {
protected:
    ~UpscaleModelErrors() override {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    std::string writeTensors(const std::string& name, const std::map<std::string, at::Tensor>& tensors) {
        const std::string path = dir + "/" + name;
        writeSafetensors(path, tensors);
        return path;
    }
    std::map<std::string, at::Tensor> fixtureTensors(const std::string& name) {
        return loadAllTensors(upscaleFixture(name));
    }
    std::string dir = test::makeTempDir("upscale-errors");
};

TEST_F(UpscaleModelErrors, AnUnknownLayoutNamesTheFileAndWhatItHolds) {
    const std::string path = writeTensors("mystery.safetensors", {{"encoder.conv.weight", at::zeros({4, 3, 3, 3})}});
    const std::string e = errorOf([&] { loadUpscaleModelFile(path); });
    EXPECT_TRUE(mentions(e, "mystery.safetensors")) << e;
    EXPECT_TRUE(mentions(e, "not an upscale model")) << e;
    EXPECT_TRUE(mentions(e, "'encoder.conv.weight' [4, 3, 3, 3]")) << e;
}

TEST_F(UpscaleModelErrors, AMisShapedMissingOrExtraTensorIsNamed) {
    auto tensors = fixtureTensors("rrdb_new_x4.safetensors");
    tensors["conv_hr.weight"] = at::zeros({4, 5, 3, 3});
    std::string e = errorOf([&] { loadUpscaleModelFile(writeTensors("shape.safetensors", tensors)); });
    EXPECT_TRUE(mentions(e, "shape.safetensors") && mentions(e, "'conv_hr.weight' has shape [4, 5, 3, 3], expected [4, 4, 3, 3]"))
        << e;

    tensors = fixtureTensors("rrdb_new_x4.safetensors");
    tensors.erase("conv_hr.bias");
    e = errorOf([&] { loadUpscaleModelFile(writeTensors("missing.safetensors", tensors)); });
    EXPECT_TRUE(mentions(e, "missing.safetensors") && mentions(e, "missing tensor 'conv_hr.bias'")) << e;

    tensors = fixtureTensors("rrdb_old_x2.safetensors");
    tensors["model.1.sub.0.RDB1.conv1x1.weight"] = at::zeros({4, 4, 1, 1});  // ESRGAN+
    e = errorOf([&] { loadUpscaleModelFile(writeTensors("plus.safetensors", tensors)); });
    EXPECT_TRUE(mentions(e, "plus.safetensors") && mentions(e, "unexpected tensor 'model.1.sub.0.RDB1.conv1x1.weight'")) << e;

    tensors = fixtureTensors("rrdb_old_x2.safetensors");
    tensors["model.4.weight"] = at::zeros({4, 4, 3, 3});  // a convolution where ESRGAN has a LeakyReLU
    e = errorOf([&] { loadUpscaleModelFile(writeTensors("odd.safetensors", tensors)); });
    EXPECT_TRUE(mentions(e, "odd.safetensors") && mentions(e, "model.3, model.4, model.5, model.7")) << e;
}

TEST_F(UpscaleModelErrors, HostileAndTruncatedPicklesFailByName) {
    // A pickle that would run os.system: refused by the restricted unpickler, naming the global.
    const std::string evil = dir + "/4x-evil.pth";
    fs::copy_file(test::sourceDir() + "/tests/fixtures/pickle/evil_system.pt", evil);
    std::string e = errorOf([&] { loadUpscaleModelFile(evil); });
    EXPECT_TRUE(mentions(e, "4x-evil.pth")) << e;
    EXPECT_TRUE(mentions(e, "system")) << e;

    std::ifstream in(upscaleFixture("rrdb_new_x2.pth"), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string cut = dir + "/4x-cut.pth";
    std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
    e = errorOf([&] { loadUpscaleModelFile(cut); });
    EXPECT_TRUE(mentions(e, "4x-cut.pth")) << e;

    e = errorOf([&] { loadUpscaleModelFile(dir + "/absent.pth"); });
    EXPECT_TRUE(mentions(e, "absent.pth")) << e;
}

TEST(UpscaleModelConfigs, RealSizeLayoutsFromShapesAlone) {
    // RealESRGAN_x4plus (conv_first/body, 23 blocks, 64 features, growth 32) and an old 4x ESRGAN
    // file: the shape tables round-trip through inference.
    UpscaleModelConfig real;
    const TensorShapes shapes = upscaleParameterShapes(real);
    EXPECT_EQ(shapes.size(), 2u * (1 + 23 * 15 + 1 + 2 + 2));
    const UpscaleModelConfig inferred = inferUpscaleModelConfig(shapes, "RealESRGAN_x4plus.pth");
    EXPECT_EQ(inferred.describe(), "RRDBNet x4: 23 blocks, 64 features, growth 32");
    EXPECT_EQ(upscaleParameterShapes(inferred), shapes);

    UpscaleModelConfig x2 = real;
    x2.unshuffle = 2;
    x2.scale = 2;
    EXPECT_EQ(inferUpscaleModelConfig(upscaleParameterShapes(x2), "RealESRGAN_x2plus.pth").describe(),
              "RRDBNet x2: 23 blocks, 64 features, growth 32, input pixel-unshuffled by 2");

    UpscaleModelConfig vgg;
    vgg.arch = UpscaleArch::SrVggCompact;
    vgg.blocks = 32;
    vgg.upsamplings = 0;
    EXPECT_EQ(inferUpscaleModelConfig(upscaleParameterShapes(vgg), "realesr-general-x4v3.pth").describe(),
              "SRVGGNetCompact x4: 32 convolutions, 64 features");
}

// Shapes that fuzz_upscale_model found or that are its hostile seeds (tests/fuzz/corpus/upscale_model):
// a shift past 64 bits, zero channels (an endless scale search), a last layer of 2^62 channels.
TEST(UpscaleModelConfigs, ImpossibleSizesAreRefusedByName) {
    const TensorShapes rrdb = {{"conv_first.weight", {8, 3, 3, 3}},
                               {"body.0.rdb1.conv1.weight", {4, 8, 3, 3}},
                               {"conv_last.weight", {3, 8, 3, 3}}};
    TensorShapes manyUps = rrdb;
    for (int i = 1; i <= 64; ++i) manyUps["conv_up" + std::to_string(i) + ".weight"] = {8, 8, 3, 3};
    std::string e = errorOf([&] { inferUpscaleModelConfig(manyUps, "ups.pth"); });
    EXPECT_TRUE(mentions(e, "'ups.pth'") && mentions(e, "64 upsampling stages") && mentions(e, "at most 4")) << e;

    TensorShapes zeroOut = rrdb;
    zeroOut["conv_last.weight"] = {0, 8, 3, 3};
    e = errorOf([&] { inferUpscaleModelConfig(zeroOut, "zero.pth"); });
    EXPECT_TRUE(mentions(e, "'zero.pth'") && mentions(e, "'conv_last.weight' has 0 channels")) << e;

    const TensorShapes vggZero = {{"body.0.weight", {8, 0, 3, 3}}, {"body.1.weight", {8}}, {"body.2.weight", {48, 8, 3, 3}}};
    e = errorOf([&] { inferUpscaleModelConfig(vggZero, "vgg0.pth"); });
    EXPECT_TRUE(mentions(e, "'vgg0.pth'") && mentions(e, "the input of 'body.0.weight' has 0 channels")) << e;

    const TensorShapes vggHuge = {{"body.0.weight", {8, 1, 3, 3}}, {"body.1.weight", {8}},
                                  {"body.2.weight", {int64_t{1} << 62, 8, 3, 3}}};
    e = errorOf([&] { inferUpscaleModelConfig(vggHuge, "vgg.pth"); });
    EXPECT_TRUE(mentions(e, "'vgg.pth'") && mentions(e, "4611686018427387904 channels are not 1 x scale x scale")) << e;
}
