// The comfyui_controlnet_aux preprocessors that need no model, against reference bytes made by
// tests/fixtures/preprocessors/make_references.py (numpy re-derivations of the pack's maths), and AIO.
#include "tests/nodes/node_test_fixture.h"
#include "tests/nodes/preprocessor_references.h"

#include <fstream>

using namespace tessera;
using tessera::test::sameTensor;

namespace {

class AuxPreprocessorsTest : public test::NodeGraphTest {
protected:
    static at::Tensor reference(const std::string& name) { return test::preprocessorReference(name); }
    // As ComfyUI's LoadImage gives it: v / 255 in float32, a batch of one.
    NodeId referenceImage(const std::string& name) { return image(reference(name).to(at::kFloat).div(255.0).unsqueeze(0)); }
    // One output image back in 0..255 bytes (the preprocessors' outputs are v/255).
    static at::Tensor bytesOf(const at::Tensor& batch) { return batch[0].mul(255.0).round().to(at::kByte); }
    NodeId preprocess(const std::string& type, NodeId src, std::map<std::string, Value> widgets) {
        const NodeId n = add(type, std::move(widgets));
        link(src, 0, n, "image");
        return n;
    }
    at::Tensor runBytes(const std::string& type, const std::string& input, std::map<std::string, Value> widgets) {
        return bytesOf(imageOf(preprocess(type, referenceImage(input), std::move(widgets))));
    }
};

TEST_F(AuxPreprocessorsTest, ScribbleXdogAndBinaryMatchThePacksMaths) {
    EXPECT_TRUE(sameTensor(runBytes("ScribblePreprocessor", "input", {{"resolution", 64}}), reference("scribble")));
    EXPECT_TRUE(sameTensor(runBytes("Scribble_XDoG_Preprocessor", "input", {{"threshold", 32}, {"resolution", 64}}),
                           reference("xdog_32")));
    EXPECT_TRUE(sameTensor(runBytes("Scribble_XDoG_Preprocessor", "input", {{"threshold", 8}, {"resolution", 64}}),
                           reference("xdog_8")));
    EXPECT_TRUE(sameTensor(runBytes("BinaryPreprocessor", "input", {{"bin_threshold", 100}, {"resolution", 64}}),
                           reference("binary_100")));
    EXPECT_TRUE(sameTensor(runBytes("BinaryPreprocessor", "input", {{"bin_threshold", 0}, {"resolution", 64}}),
                           reference("binary_otsu")));
    EXPECT_TRUE(sameTensor(runBytes("BinaryPreprocessor", "input", {{"bin_threshold", 160}, {"resolution", 64}}),
                           reference("binary_160")));
}

TEST_F(AuxPreprocessorsTest, OutputsKeepTheDetectResolution) {
    // 64x128 at resolution 96: shorter side 96, not scaled back (the pack's behaviour).
    const at::Tensor out = imageOf(preprocess("ScribblePreprocessor", referenceImage("input"), {{"resolution", 96}}));
    EXPECT_EQ(out.sizes(), (std::vector<int64_t>{1, 96, 192, 3}));
    // 33x50 at 64: 64x97 (50 * 64/33 = 96.97), padded inside to 64x128 and cropped back.
    const at::Tensor small = imageOf(preprocess("BinaryPreprocessor", image(at::rand({1, 33, 50, 3})), {{"resolution", 64}}));
    EXPECT_EQ(small.sizes(), (std::vector<int64_t>{1, 64, 97, 3}));
}

TEST_F(AuxPreprocessorsTest, NormalMapFromDepthMatchesThePacksMaths) {
    EXPECT_TRUE(sameTensor(bytesOf(imageOf(preprocess("DepthToNormalMap", referenceImage("depth"), {}))),
                           reference("normal_default")));
    EXPECT_TRUE(sameTensor(bytesOf(imageOf(preprocess("DepthToNormalMap", referenceImage("depth"),
                                                      {{"a", 1.0}, {"bg_threshold", 0.3}}))),
                           reference("normal_a1_bg0.3")));
}

TEST_F(AuxPreprocessorsTest, TileBlursButKeepsFlatColours) {
    at::Tensor img = at::zeros({1, 64, 128, 3});
    img.select(3, 0).fill_(0.6f);
    const at::Tensor flat = imageOf(preprocess("TilePreprocessor", image(img), {{"pyrUp_iters", 3}}));
    ASSERT_EQ(flat.sizes(), (std::vector<int64_t>{1, 64, 128, 3}));
    EXPECT_TRUE(sameTensor(bytesOf(flat), bytesOf(img)));  // 0.6 -> 153 of 255 everywhere
    // A hard step becomes a ramp; sides are rounded to multiples of 64 (70x100 -> 64x128).
    at::Tensor step = at::zeros({1, 70, 100, 3});
    step.slice(2, 50).fill_(1.0f);
    const at::Tensor ramp = imageOf(preprocess("TilePreprocessor", image(step), {{"pyrUp_iters", 2}}))[0][30].select(1, 0);
    EXPECT_EQ(ramp.size(0), 128);
    EXPECT_EQ(ramp[0].item<float>(), 0.0f);
    EXPECT_EQ(ramp[127].item<float>(), 1.0f);
    for (int x = 1; x < 128; ++x) EXPECT_GE(ramp[x].item<float>(), ramp[x - 1].item<float>()) << x;
    EXPECT_GT((ramp > 0.02).logical_and(ramp < 0.98).sum().item<int64_t>(), 4);
}

TEST_F(AuxPreprocessorsTest, ColorGivesOneFlatColourPer64PixelCell) {
    // Two flat 64x64 halves stay exactly their colours; a smooth ramp becomes two flat cells.
    at::Tensor img = at::zeros({1, 64, 128, 3});
    img.slice(2, 0, 64).select(3, 0).fill_(200.0f / 255);
    img.slice(2, 64).select(3, 2).fill_(90.0f / 255);
    EXPECT_TRUE(sameTensor(bytesOf(imageOf(preprocess("ColorPreprocessor", image(img), {{"resolution", 64}}))), bytesOf(img)));
    const at::Tensor ramp = at::linspace(0, 1, 128).view({1, 1, 128, 1}).expand({1, 64, 128, 3}).contiguous();
    const at::Tensor cells = imageOf(preprocess("ColorPreprocessor", image(ramp), {{"resolution", 64}}))[0];
    EXPECT_EQ(cells.sizes(), (std::vector<int64_t>{64, 128, 3}));
    const at::Tensor left = cells.slice(1, 0, 64), right = cells.slice(1, 64);
    EXPECT_TRUE(sameTensor(left, cells[0][0].expand_as(left)));
    EXPECT_TRUE(sameTensor(right, cells[0][127].expand_as(right)));
    EXPECT_LT(cells[0][0][0].item<float>(), cells[0][127][0].item<float>());
}

TEST_F(AuxPreprocessorsTest, ShuffleIsDeterministicPerSeed) {
    const NodeId src = referenceImage("input");
    const at::Tensor a = imageOf(preprocess("ShufflePreprocessor", src, {{"resolution", 64}, {"seed", 7}}));
    const at::Tensor b = imageOf(preprocess("ShufflePreprocessor", src, {{"resolution", 64}, {"seed", 7}}));
    const at::Tensor c = imageOf(preprocess("ShufflePreprocessor", src, {{"resolution", 64}, {"seed", 8}}));
    EXPECT_EQ(a.sizes(), (std::vector<int64_t>{1, 64, 128, 3}));
    EXPECT_TRUE(sameTensor(a, b));
    EXPECT_GT((a - c).abs().mean().item<float>(), 0.01f);
    EXPECT_GT((a - imageOf(src)).abs().mean().item<float>(), 0.01f);  // it did move things
    // Only the image's own colours are blended: a flat image stays flat.
    const at::Tensor flat = imageOf(preprocess("ShufflePreprocessor", image(at::full({1, 64, 64, 3}, 0.4f)), {{"resolution", 64}}));
    EXPECT_TRUE(sameTensor(bytesOf(flat), at::full({64, 64, 3}, 102, at::kByte)));
}

TEST_F(AuxPreprocessorsTest, InpaintMarksTheMaskedPixels) {
    const at::Tensor img = at::rand({2, 8, 8, 3});
    at::Tensor m = at::zeros({1, 4, 4});
    m[0][1][2] = 1.0f;  // scaled 2x bilinearly: rows 2..3, columns 4..5 exceed 0.5
    const NodeId n = add("InpaintPreprocessor");
    link(image(img), 0, n, "image");
    link(mask(m), 0, n, "mask");
    at::Tensor want = img.clone();
    want.slice(1, 2, 4).slice(2, 4, 6).fill_(-1.0f);
    EXPECT_TRUE(sameTensor(imageOf(n), want));
    graph.node(n)->widgets["black_pixel_for_xinsir_cn"] = true;
    want.slice(1, 2, 4).slice(2, 4, 6).fill_(0.0f);
    EXPECT_TRUE(sameTensor(imageOf(n), want));
}

TEST_F(AuxPreprocessorsTest, AioRunsAPreprocessorByNameWithItsDefaults) {
    const NodeId src = referenceImage("input");
    const at::Tensor viaAio =
        imageOf(preprocess("AIO_Preprocessor", src, {{"preprocessor", "Scribble_XDoG_Preprocessor"}, {"resolution", 64}}));
    EXPECT_TRUE(sameTensor(bytesOf(viaAio), reference("xdog_32")));  // threshold 32 is the node's default
    EXPECT_TRUE(sameTensor(imageOf(preprocess("AIO_Preprocessor", src, {{"preprocessor", "none"}})), imageOf(src)));
    EXPECT_TRUE(sameTensor(imageOf(preprocess("AIO_Preprocessor", src, {{"preprocessor", "Canny"}})),
                           imageOf(preprocess("Canny", src, {}))));  // ComfyUI's Canny at its defaults
    const std::string failure = failureOf(preprocess("AIO_Preprocessor", src, {{"preprocessor", "DensePosePreprocessor"}}));
    EXPECT_NE(failure.find("DensePosePreprocessor"), std::string::npos) << failure;
    for (const char* name : {"ScribblePreprocessor", "BinaryPreprocessor", "TilePreprocessor", "ShufflePreprocessor"})
        EXPECT_NE(failure.find(name), std::string::npos) << name << " not listed in: " << failure;
}

TEST_F(AuxPreprocessorsTest, DeclarationsFollowThePack) {
    auto widgets = [&](const std::string& type) {
        std::vector<std::string> names;
        for (const auto& in : registry.find(type)->inputs) names.push_back(in.name);
        return names;
    };
    using V = std::vector<std::string>;
    EXPECT_EQ(widgets("Scribble_XDoG_Preprocessor"), (V{"image", "threshold", "resolution"}));
    EXPECT_EQ(widgets("BinaryPreprocessor"), (V{"image", "bin_threshold", "resolution"}));
    EXPECT_EQ(widgets("TilePreprocessor"), (V{"image", "pyrUp_iters", "resolution"}));
    EXPECT_EQ(widgets("ShufflePreprocessor"), (V{"image", "resolution", "seed"}));
    EXPECT_EQ(widgets("InpaintPreprocessor"), (V{"image", "mask", "black_pixel_for_xinsir_cn"}));
    EXPECT_EQ(widgets("AIO_Preprocessor"), (V{"image", "preprocessor", "resolution"}));
    const InputDecl& res = registry.find("ColorPreprocessor")->inputs.at(1);
    EXPECT_EQ(res.defaultValue.toInt(), 512);
    EXPECT_EQ(*res.min, 64);
    EXPECT_EQ(*res.step, 64);
}

}  // namespace
