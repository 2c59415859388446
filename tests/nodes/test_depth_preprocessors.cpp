// comfyui_controlnet_aux's depth and normal preprocessors (MiDaS, Zoe, Depth Anything) on tiny 1x1-conv
// "depth networks" (tests/nodes/tiny_onnx), against reference bytes from
// tests/fixtures/preprocessors/make_depth_references.py, which applies the pack's post-processing to
// the same linear maps.
#include "tests/nodes/node_test_fixture.h"
#include "tests/nodes/preprocessor_references.h"
#include "tests/nodes/tiny_onnx.h"

#include <fstream>

using namespace tessera;
using tessera::test::sameTensor;

namespace {

class DepthPreprocessorsTest : public test::NodeGraphTest {
protected:
    DepthPreprocessorsTest() { std::filesystem::create_directories(root + "/models/preprocessors"); }
    void writeDepthModel(const std::string& name, const std::array<float, 3>& weights, float bias) {
        std::ofstream(root + "/models/preprocessors/" + name, std::ios::binary)
            << test::tinyConvOnnx(3, {{weights[0], weights[1], weights[2]}}, {bias}, "predicted_depth");
    }
    static at::Tensor depthReference(const std::string& name) { return test::preprocessorReference(name); }
    at::Tensor runDepthNode(const std::string& type, std::map<std::string, Value> widgets, at::Tensor img = {}) {
        if (!img.defined()) img = depthReference("input").to(at::kFloat).div(255.0).unsqueeze(0);
        const NodeId n = add(type, std::move(widgets));
        link(image(img), 0, n, "image");
        return imageOf(n)[0].mul(255.0).round().to(at::kByte);
    }
};

// The same maps as make_depth_references.py.
constexpr std::array<float, 3> kMidasWeights{0.5f, -0.25f, 0.75f};
constexpr float kMidasBias = 0.125f;
constexpr std::array<float, 3> kZoeWeights{2.0f, 1.0f, -0.5f};
constexpr float kZoeBias = 1.5f;

TEST_F(DepthPreprocessorsTest, MidasStretchesTheDepthAndDrawsItsNormals) {
    writeDepthModel("dpt_hybrid-midas-501f0c75.onnx", kMidasWeights, kMidasBias);
    EXPECT_TRUE(sameTensor(runDepthNode("MiDaS-DepthMapPreprocessor", {{"resolution", 64}}), depthReference("midas_depth")));
    EXPECT_TRUE(sameTensor(runDepthNode("MiDaS-NormalMapPreprocessor", {{"resolution", 64}}),
                           depthReference("midas_normal_default")));
    EXPECT_TRUE(sameTensor(runDepthNode("MiDaS-NormalMapPreprocessor", {{"a", 1.0}, {"bg_threshold", 0.4}, {"resolution", 64}}),
                           depthReference("midas_normal_a1_bg0.4")));
    // a and bg_threshold do not change the depth map, as in the pack.
    EXPECT_TRUE(sameTensor(runDepthNode("MiDaS-DepthMapPreprocessor", {{"a", 1.0}, {"bg_threshold", 0.9}, {"resolution", 64}}),
                           depthReference("midas_depth")));
}

TEST_F(DepthPreprocessorsTest, ZoeMapsItsPercentilesToWhiteAndBlack) {
    writeDepthModel("ZoeD_M12_N.onnx", kZoeWeights, kZoeBias);
    EXPECT_TRUE(sameTensor(runDepthNode("Zoe-DepthMapPreprocessor", {{"resolution", 64}}), depthReference("zoe_depth")));
}

TEST_F(DepthPreprocessorsTest, DepthAnythingReadsTheCheckpointsOnnxAndStretchesToFullRange) {
    writeDepthModel("depth_anything_v2_vits.onnx", kMidasWeights, kMidasBias);
    const at::Tensor out =
        runDepthNode("DepthAnythingV2Preprocessor", {{"ckpt_name", "depth_anything_v2_vits.pth"}, {"resolution", 64}});
    EXPECT_EQ(out.sizes(), (at::IntArrayRef{64, 128, 3}));
    EXPECT_EQ(out.min().item<int>(), 0);
    EXPECT_GE(out.max().item<int>(), 254);  // the frame's maximum may sit in the cropped padding
    // The default checkpoint is another file, and the node says which and where.
    const NodeId n = add("DepthAnythingV2Preprocessor");
    link(image(at::rand({1, 8, 8, 3})), 0, n, "image");
    const std::string failure = failureOf(n);
    EXPECT_NE(failure.find("depth_anything_v2_vitl.onnx"), std::string::npos) << failure;
    EXPECT_NE(failure.find(root + "/models/preprocessors"), std::string::npos) << failure;
}

TEST_F(DepthPreprocessorsTest, AioRunsTheDepthPreprocessors) {
    writeDepthModel("dpt_hybrid-midas-501f0c75.onnx", kMidasWeights, kMidasBias);
    writeDepthModel("ZoeD_M12_N.onnx", kZoeWeights, kZoeBias);
    EXPECT_TRUE(sameTensor(runDepthNode("AIO_Preprocessor", {{"preprocessor", "MiDaS-DepthMapPreprocessor"}, {"resolution", 64}}),
                           depthReference("midas_depth")));
    EXPECT_TRUE(sameTensor(runDepthNode("AIO_Preprocessor", {{"preprocessor", "MiDaS-NormalMapPreprocessor"}, {"resolution", 64}}),
                           depthReference("midas_normal_default")));
    EXPECT_TRUE(sameTensor(runDepthNode("AIO_Preprocessor", {{"preprocessor", "Zoe-DepthMapPreprocessor"}, {"resolution", 64}}),
                           depthReference("zoe_depth")));
}

TEST_F(DepthPreprocessorsTest, DeclarationsFollowThePack) {
    auto depthWidgets = [&](const std::string& type) {
        std::vector<std::string> names;
        for (const auto& in : registry.find(type)->inputs) names.push_back(in.name);
        return names;
    };
    using V = std::vector<std::string>;
    EXPECT_EQ(depthWidgets("MiDaS-DepthMapPreprocessor"), (V{"image", "a", "bg_threshold", "resolution"}));
    EXPECT_EQ(depthWidgets("MiDaS-NormalMapPreprocessor"), (V{"image", "a", "bg_threshold", "resolution"}));
    EXPECT_EQ(depthWidgets("Zoe-DepthMapPreprocessor"), (V{"image", "resolution"}));
    EXPECT_EQ(depthWidgets("DepthAnythingPreprocessor"), (V{"image", "ckpt_name", "resolution"}));
    EXPECT_EQ(depthWidgets("DepthAnythingV2Preprocessor"), (V{"image", "ckpt_name", "resolution"}));
    EXPECT_EQ(registry.find("DepthAnythingPreprocessor")->inputs.at(1).defaultValue.toString(),
              "depth_anything_vitl14.pth");
    EXPECT_EQ(registry.find("DepthAnythingV2Preprocessor")->inputs.at(1).defaultValue.toString(),
              "depth_anything_v2_vitl.pth");
    EXPECT_NEAR(registry.find("MiDaS-DepthMapPreprocessor")->inputs.at(1).defaultValue.toFloat(), 2.0 * M_PI, 1e-9);
}

}  // namespace
