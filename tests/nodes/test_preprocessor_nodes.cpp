#include "nodes/depth_estimation.h"
#include "tests/nodes/node_test_fixture.h"
#include "tests/nodes/tiny_onnx.h"

#include <fstream>

using namespace tessera;
using tessera::test::nearTensor;
using tessera::test::sameTensor;

namespace {

class PreprocessorNodesTest : public test::NodeGraphTest {
protected:
    void writeModel(const std::string& name, const std::string& bytes) {
        std::ofstream(root + "/models/depth/" + name, std::ios::binary) << bytes;
    }
    NodeId depth(NodeId src, const std::string& model, int64_t resolution) {
        const NodeId n = add("DepthEstimation", {{"model_name", model}, {"resolution", resolution}});
        link(src, 0, n, "image");
        return n;
    }
    // Red rises to the right, green downwards, blue is noise the test model ignores.
    static at::Tensor gradients(int64_t h, int64_t w) {
        const at::Tensor x = at::linspace(0, 1, w).view({1, w}).expand({h, w});
        const at::Tensor y = at::linspace(0, 1, h).view({h, 1}).expand({h, w});
        return at::stack({x, y * 0.5, at::rand({h, w})}, 2).unsqueeze(0).contiguous();
    }
    static at::Tensor minMax(const at::Tensor& t) { return (t - t.min()) / (t.max() - t.min()); }
};

TEST_F(PreprocessorNodesTest, CannyFindsTheBorderOfASquare) {
    at::Tensor img = at::zeros({1, 32, 32, 3});
    img.slice(1, 8, 24).slice(2, 8, 24).fill_(1.0f);
    const NodeId n = add("Canny", {{"low_threshold", 0.4}, {"high_threshold", 0.8}});
    link(image(img), 0, n, "image");
    const at::Tensor edges = imageOf(n);
    ASSERT_EQ(edges.sizes(), (std::vector<int64_t>{1, 32, 32, 3}));
    EXPECT_TRUE(sameTensor(edges.select(3, 0), edges.select(3, 2)));
    const at::Tensor e = edges[0].select(2, 0);
    EXPECT_TRUE(sameTensor(e, (e > 0.5).to(at::kFloat)));  // black and white only
    // Every edge pixel lies on the square's outline (one pixel either side of it)...
    for (int y = 0; y < 32; ++y)
        for (int x = 0; x < 32; ++x) {
            if (e[y][x].item<float>() == 0) continue;
            const bool nearVertical = (x >= 7 && x <= 8) || (x >= 23 && x <= 24);
            const bool nearHorizontal = (y >= 7 && y <= 8) || (y >= 23 && y <= 24);
            EXPECT_TRUE((nearVertical && y >= 6 && y <= 25) || (nearHorizontal && x >= 6 && x <= 25)) << y << "," << x;
        }
    // ...and every side of the outline is found.
    for (int i = 10; i < 22; ++i) {
        EXPECT_GT(e[i].slice(0, 7, 9).sum().item<float>(), 0) << "left side, row " << i;
        EXPECT_GT(e[i].slice(0, 23, 25).sum().item<float>(), 0) << "right side, row " << i;
        EXPECT_GT(e.select(1, i).slice(0, 7, 9).sum().item<float>(), 0) << "top side, column " << i;
        EXPECT_GT(e.select(1, i).slice(0, 23, 25).sum().item<float>(), 0) << "bottom side, column " << i;
    }
    // A faint square is below the thresholds.
    const NodeId faint = add("Canny", {{"low_threshold", 0.4}, {"high_threshold", 0.8}});
    link(image(img * 0.1), 0, faint, "image");
    EXPECT_EQ(imageOf(faint).sum().item<float>(), 0.0f);
}

TEST_F(PreprocessorNodesTest, DepthRulesComeFromTheFileName) {
    using nodes::depthRulesFor;
    EXPECT_EQ(depthRulesFor("depth_anything_vits14.onnx").sizeMultiple, 14);
    EXPECT_EQ(depthRulesFor("Depth-Anything-V2-Small.onnx").sizeMultiple, 14);
    EXPECT_EQ(depthRulesFor("midas_v21_small_256.onnx").sizeMultiple, 32);
    EXPECT_FLOAT_EQ(depthRulesFor("midas_v21_small_256.onnx").std[0], 0.229f);
    EXPECT_FLOAT_EQ(depthRulesFor("dpt_hybrid_384.onnx").mean[1], 0.5f);
    EXPECT_TRUE(depthRulesFor("zoe_METRIC.onnx").metric);
    EXPECT_FALSE(depthRulesFor("midas.onnx").metric);
    // Shorter side to the resolution, each side to the nearest multiple.
    EXPECT_EQ(nodes::depthInputSize(24, 40, 24, 32), (std::array<int64_t, 2>{32, 32}));
    EXPECT_EQ(nodes::depthInputSize(480, 640, 518, 14), (std::array<int64_t, 2>{518, 686}));
    EXPECT_EQ(nodes::depthInputSize(64, 32, 64, 32), (std::array<int64_t, 2>{128, 64}));
}

TEST_F(PreprocessorNodesTest, DepthEstimationRunsAnOnnxModel) {
    writeModel("tiny_midas.onnx", test::tinyDepthOnnx({1.0f, 1.0f, 0.0f}, 0.25f));
    const at::Tensor img = gradients(32, 64);
    // 32x64 at resolution 32: already a multiple of 32, so the model sees the image itself.
    const at::Tensor got = imageOf(depth(image(img), "tiny_midas.onnx", 32));
    // The model sums the ImageNet-normalised red and green; the node stretches that to 0..1.
    const at::Tensor r = (img[0].select(2, 0) - 0.485f) / 0.229f, g = (img[0].select(2, 1) - 0.456f) / 0.224f;
    const at::Tensor want = minMax(r + g + 0.25f);
    ASSERT_EQ(got.sizes(), (std::vector<int64_t>{1, 32, 64, 3}));
    EXPECT_TRUE(nearTensor(got[0].select(2, 0), want, 1e-5));
    EXPECT_TRUE(sameTensor(got.select(3, 0), got.select(3, 2)));

    // A "metric" model's output is a distance: near (small) becomes white.
    writeModel("tiny_metric.onnx", test::tinyDepthOnnx({1.0f, 1.0f, 0.0f}, 0.25f));
    const at::Tensor metric = imageOf(depth(image(img), "tiny_metric.onnx", 32));
    EXPECT_TRUE(nearTensor(metric[0].select(2, 0), 1.0 - want, 1e-5));
}

TEST_F(PreprocessorNodesTest, DepthEstimationResizesInAndOut) {
    writeModel("tiny_midas.onnx", test::tinyDepthOnnx({1.0f, 0.0f, 0.0f}, 0.0f));
    const at::Tensor img = gradients(24, 40);  // goes in as 32x32 (see the DepthRules test), comes back 24x40
    const at::Tensor got = imageOf(depth(image(img), "tiny_midas.onnx", 24));
    ASSERT_EQ(got.sizes(), (std::vector<int64_t>{1, 24, 40, 3}));
    EXPECT_FLOAT_EQ(got.min().item<float>(), 0.0f);
    EXPECT_FLOAT_EQ(got.max().item<float>(), 1.0f);
    // Red rises to the right, so does the depth (up to resampling at the borders).
    const at::Tensor row = got[0][12].select(1, 0);
    EXPECT_LT(row[2].item<float>(), row[20].item<float>());
    EXPECT_LT(row[20].item<float>(), row[37].item<float>());
    EXPECT_TRUE(nearTensor(got[0].select(2, 0), minMax(img[0].select(2, 0)), 0.06));
}

TEST_F(PreprocessorNodesTest, DepthEstimationReportsMissingAndCorruptModels) {
    std::string failure = failureOf(depth(image(gradients(8, 8)), "nowhere.onnx", 64));
    EXPECT_NE(failure.find("nowhere.onnx"), std::string::npos) << failure;
    EXPECT_NE(failure.find("depth"), std::string::npos) << failure;

    writeModel("broken.onnx", "definitely not protobuf \x01\x02\x03");
    failure = failureOf(depth(image(gradients(8, 8)), "broken.onnx", 64));
    EXPECT_NE(failure.find("DepthEstimation"), std::string::npos) << failure;
    EXPECT_NE(failure.find("broken.onnx"), std::string::npos) << failure;
    EXPECT_NE(failure.find("models/depth"), std::string::npos) << failure;
}

}  // namespace
