#include "tests/nodes/node_test_fixture.h"
#include "tests/support/tensor_compare.h"

#include <opencv2/imgcodecs.hpp>

using namespace tessera;
using tessera::test::nearTensor;
using tessera::test::sameTensor;

namespace {

class MaskNodesTest : public test::NodeGraphTest {
protected:
    at::Tensor apply(const std::string& type, const at::Tensor& m, std::map<std::string, Value> widgets = {}) {
        const NodeId n = add(type, std::move(widgets));
        link(mask(m), 0, n, "mask");
        return maskOf(n);
    }
    // A 7x7 mask with ones at the given (row, col) cells.
    static at::Tensor cells(std::initializer_list<std::pair<int, int>> ones, int size = 7) {
        at::Tensor m = at::zeros({1, size, size});
        for (auto [r, c] : ones) m[0][r][c] = 1.0f;
        return m;
    }
};

TEST_F(MaskNodesTest, LoadImageMaskOfTheReferenceMaskEqualsTheTensor) {
    env.inputDir = test::refdataPath("cases");
    const auto ref = test::loadCase("pipelines.safetensors");
    // A grey PNG: red = green = blue = the grey value (white = repaint = 1).
    for (const char* channel : {"red", "green", "blue"}) {
        const NodeId n = add("LoadImageMask", {{"image", "mask.png"}, {"channel", channel}});
        EXPECT_TRUE(sameTensor(maskOf(n), ref.at("mask"))) << channel;
    }
    // No alpha channel: opaque everywhere, so 1 - alpha is all zeros (at the image's size).
    const NodeId alpha = add("LoadImageMask", {{"image", "mask.png"}, {"channel", "alpha"}});
    EXPECT_TRUE(sameTensor(maskOf(alpha), at::zeros({1, 64, 64})));
}

TEST_F(MaskNodesTest, LoadImageMaskAlphaIsInverted) {
    cv::Mat bgra(2, 2, CV_8UC4, cv::Scalar(0, 0, 0, 255));
    bgra.at<cv::Vec4b>(0, 1)[3] = 0;
    bgra.at<cv::Vec4b>(1, 0)[3] = 51;
    bgra.at<cv::Vec4b>(1, 1)[1] = 102;  // green
    ASSERT_TRUE(cv::imwrite(env.inputDir + "/cut.png", bgra));
    const NodeId a = add("LoadImageMask", {{"image", "cut.png"}, {"channel", "alpha"}});
    EXPECT_TRUE(sameTensor(maskOf(a), at::tensor({0.0f, 1.0f, 1.0f - 51.0f / 255.0f, 0.0f}).view({1, 2, 2})));
    const NodeId g = add("LoadImageMask", {{"image", "cut.png"}, {"channel", "green"}});
    EXPECT_TRUE(sameTensor(maskOf(g), at::tensor({0.0f, 0.0f, 0.0f, 102.0f / 255.0f}).view({1, 2, 2})));
}

TEST_F(MaskNodesTest, MaskImageConversions) {
    const at::Tensor m = at::rand({2, 3, 4});
    const NodeId toImage = add("MaskToImage");
    link(mask(m), 0, toImage, "mask");
    EXPECT_TRUE(sameTensor(imageOf(toImage), m.unsqueeze(3).expand({2, 3, 4, 3})));

    const at::Tensor img = at::rand({2, 3, 4, 3});
    const NodeId toMask = add("ImageToMask", {{"channel", "green"}});
    link(image(img), 0, toMask, "image");
    EXPECT_TRUE(sameTensor(maskOf(toMask), img.select(3, 1)));
}

TEST_F(MaskNodesTest, InvertAndThreshold) {
    const at::Tensor m = at::tensor({0.0f, 0.2f, 0.5f, 0.7f, 1.0f, 0.51f}).view({1, 2, 3});
    EXPECT_TRUE(sameTensor(apply("InvertMask", m), 1.0 - m));
    EXPECT_TRUE(sameTensor(apply("ThresholdMask", m, {{"value", 0.5}}),
                           at::tensor({0.0f, 0.0f, 0.0f, 1.0f, 1.0f, 1.0f}).view({1, 2, 3})));
}

TEST_F(MaskNodesTest, SolidMaskAndCropMask) {
    EXPECT_TRUE(sameTensor(maskOf(add("SolidMask", {{"value", 0.25}, {"width", 5}, {"height", 3}})), at::full({1, 3, 5}, 0.25f)));
    const at::Tensor m = at::rand({2, 6, 7});
    // Cut to the mask, as ComfyUI's slicing: 3 columns from x = 4, 2 rows from y = 1.
    EXPECT_TRUE(sameTensor(apply("CropMask", m, {{"x", 4}, {"y", 1}, {"width", 10}, {"height", 2}}),
                           m.slice(1, 1, 3).slice(2, 4, 7)));
    const NodeId outside = add("CropMask", {{"x", 7}, {"y", 0}, {"width", 2}, {"height", 2}});
    link(mask(m), 0, outside, "mask");
    const std::string failure = failureOf(outside);
    EXPECT_NE(failure.find("CropMask #"), std::string::npos) << failure;
    EXPECT_NE(failure.find("(7, 0) is outside the 7x6 mask"), std::string::npos) << failure;
}

TEST_F(MaskNodesTest, GrowMaskDilatesAndErodes) {
    const at::Tensor dot = cells({{3, 3}});
    EXPECT_TRUE(sameTensor(apply("GrowMask", dot, {{"expand", 1}, {"tapered_corners", true}}),
                           cells({{2, 3}, {3, 2}, {3, 3}, {3, 4}, {4, 3}})));
    EXPECT_TRUE(sameTensor(apply("GrowMask", dot, {{"expand", 1}, {"tapered_corners", false}}),
                           cells({{2, 2}, {2, 3}, {2, 4}, {3, 2}, {3, 3}, {3, 4}, {4, 2}, {4, 3}, {4, 4}})));
    // Two tapered steps: a diamond |dr| + |dc| <= 2.
    const at::Tensor diamond = apply("GrowMask", dot, {{"expand", 2}, {"tapered_corners", true}});
    EXPECT_EQ(diamond.sum().item<float>(), 13.0f);
    EXPECT_EQ(diamond[0][1][3].item<float>(), 1.0f);
    EXPECT_EQ(diamond[0][2][2].item<float>(), 1.0f);
    EXPECT_EQ(diamond[0][1][2].item<float>(), 0.0f);
    // Shrinking a 3x3 block leaves its centre.
    const at::Tensor block = cells({{2, 2}, {2, 3}, {2, 4}, {3, 2}, {3, 3}, {3, 4}, {4, 2}, {4, 3}, {4, 4}});
    EXPECT_TRUE(sameTensor(apply("GrowMask", block, {{"expand", -1}, {"tapered_corners", true}}), dot));
    // The image border is not "outside the mask": a full mask stays full when shrunk.
    EXPECT_TRUE(sameTensor(apply("GrowMask", at::ones({1, 4, 5}), {{"expand", -2}, {"tapered_corners", false}}),
                           at::ones({1, 4, 5})));
    // Grey values: the maximum of the neighbourhood.
    at::Tensor grey = at::zeros({1, 1, 4});
    grey[0][0][1] = 0.3f;
    grey[0][0][3] = 0.6f;
    EXPECT_TRUE(sameTensor(apply("GrowMask", grey, {{"expand", 1}, {"tapered_corners", true}}),
                           at::tensor({0.3f, 0.3f, 0.6f, 0.6f}).view({1, 1, 4})));
}

TEST_F(MaskNodesTest, FeatherMaskFollowsComfyUIsLoops) {
    const at::Tensor ones = at::ones({1, 4, 6});
    at::Tensor left = apply("FeatherMask", ones, {{"left", 3}, {"top", 0}, {"right", 0}, {"bottom", 0}});
    EXPECT_TRUE(nearTensor(left, at::tensor({1 / 3.0f, 2 / 3.0f, 1.0f, 1.0f, 1.0f, 1.0f}).view({1, 1, 6}).expand({1, 4, 6}), 1e-7));
    // ComfyUI indexes the right edge with -x: x = 0 scales column 0, the last column gets 2/3.
    at::Tensor right = apply("FeatherMask", ones, {{"left", 0}, {"top", 0}, {"right", 3}, {"bottom", 0}});
    EXPECT_TRUE(nearTensor(right, at::tensor({1 / 3.0f, 1.0f, 1.0f, 1.0f, 1.0f, 2 / 3.0f}).view({1, 1, 6}).expand({1, 4, 6}), 1e-7));
    at::Tensor topBottom = apply("FeatherMask", ones, {{"left", 0}, {"top", 2}, {"right", 0}, {"bottom", 2}});
    // top: row 0 * 1/2, row 1 * 1; bottom: row 0 * 1/2 again, row 3 * 1.
    EXPECT_TRUE(nearTensor(topBottom, at::tensor({0.25f, 1.0f, 1.0f, 1.0f}).view({1, 4, 1}).expand({1, 4, 6}), 1e-7));
    // Amounts beyond the mask are clamped to its size.
    at::Tensor wide = apply("FeatherMask", ones, {{"left", 100}, {"top", 0}, {"right", 0}, {"bottom", 0}});
    EXPECT_TRUE(nearTensor(wide, (at::arange(1, 7, at::kFloat) / 6).view({1, 1, 6}).expand({1, 4, 6}), 1e-7));
}

TEST_F(MaskNodesTest, MaskCompositePastesTheSourceAtXYClippedAndClamped) {
    const at::Tensor dest = at::tensor({0.2f, 0.4f, 0.6f, 0.8f, 0.1f, 0.3f, 0.5f, 0.7f, 0.9f, 0.9f, 0.9f, -0.2f}).view({1, 3, 4});
    const at::Tensor src = at::tensor({0.5f, 0.7f, 0.3f, 0.1f}).view({1, 2, 2});
    const auto composite = [&](const at::Tensor& d, const at::Tensor& s, int64_t x, int64_t y, const char* op) {
        const NodeId n = add("MaskComposite", {{"x", x}, {"y", y}, {"operation", op}});
        link(mask(d), 0, n, "destination");
        link(mask(s), 0, n, "source");
        return maskOf(n);
    };
    // Everything is clamped, also outside the pasted area (-0.2 -> 0).
    EXPECT_TRUE(nearTensor(composite(dest, src, 1, 1, "add"),
                           at::tensor({0.2f, 0.4f, 0.6f, 0.8f, 0.1f, 0.8f, 1.0f, 0.7f, 0.9f, 1.0f, 1.0f, 0.0f}).view({1, 3, 4}), 1e-6));
    // At (3, 2) only the source's top-left cell lands on the destination.
    EXPECT_TRUE(nearTensor(composite(dest, src, 3, 2, "subtract"),
                           at::tensor({0.2f, 0.4f, 0.6f, 0.8f, 0.1f, 0.3f, 0.5f, 0.7f, 0.9f, 0.9f, 0.9f, 0.0f}).view({1, 3, 4}), 1e-6));
    EXPECT_TRUE(nearTensor(composite(dest, src, 0, 0, "multiply"),
                           at::tensor({0.1f, 0.28f, 0.6f, 0.8f, 0.03f, 0.03f, 0.5f, 0.7f, 0.9f, 0.9f, 0.9f, 0.0f}).view({1, 3, 4}), 1e-6));
    // Entirely off the destination: only the clamp.
    EXPECT_TRUE(sameTensor(composite(dest, src, 4, 0, "add"), dest.clamp(0, 1)));

    // Logical operations on the masks rounded to 0/1; one source mask serves a batch of two.
    const at::Tensor a = at::tensor({0.9f, 0.2f, 0.8f, 0.1f}).view({1, 2, 2}).expand({2, 2, 2}).contiguous();
    const at::Tensor b = at::tensor({0.7f, 0.6f, 0.3f, 0.4f}).view({1, 2, 2});
    EXPECT_TRUE(sameTensor(composite(a, b, 0, 0, "and"), at::tensor({1.0f, 0.0f, 0.0f, 0.0f}).view({1, 2, 2}).expand({2, 2, 2})));
    EXPECT_TRUE(sameTensor(composite(a, b, 0, 0, "or"), at::tensor({1.0f, 1.0f, 1.0f, 0.0f}).view({1, 2, 2}).expand({2, 2, 2})));
    EXPECT_TRUE(sameTensor(composite(a, b, 0, 0, "xor"), at::tensor({0.0f, 1.0f, 1.0f, 0.0f}).view({1, 2, 2}).expand({2, 2, 2})));
    // xor at (1, 0): the source's first column meets the destination's second.
    EXPECT_TRUE(sameTensor(composite(a, b, 1, 0, "xor"), at::tensor({0.9f, 1.0f, 0.8f, 0.0f}).view({1, 2, 2}).expand({2, 2, 2})));
}

TEST_F(MaskNodesTest, MaskCompositeRefusesMismatchedBatches) {
    const NodeId n = add("MaskComposite", {{"x", 0}, {"y", 0}, {"operation", "add"}});
    link(mask(at::zeros({2, 4, 4})), 0, n, "destination");
    link(mask(at::zeros({3, 2, 2})), 0, n, "source");
    const std::string failure = failureOf(n);
    EXPECT_NE(failure.find("the source has 3 masks but the destination has 2"), std::string::npos) << failure;
}

TEST_F(MaskNodesTest, EmptyMaskIsRefused) {
    const NodeId n = add("InvertMask");
    link(mask(at::zeros({1, 0, 3})), 0, n, "mask");
    const std::string failure = failureOf(n);
    EXPECT_NE(failure.find("InvertMask"), std::string::npos) << failure;
    EXPECT_NE(failure.find("empty mask"), std::string::npos) << failure;
}

}  // namespace
