// Transparency as ComfyUI's compositing nodes handle it (comfy_extras/nodes_compositing.py): alpha joined to and
// split from an image (alpha = 1 - mask), transparent PNGs from Save Image, and Porter-Duff modes against their
// formulas worked out here.
#include "tests/nodes/node_test_fixture.h"

#include <opencv2/imgcodecs.hpp>

using namespace tessera;
using tessera::test::nearTensor;
using tessera::test::sameTensor;

namespace {

class ImageAlphaNodes : public test::NodeGraphTest {
protected:
    ImageAlphaNodes() { nodes::registerImageAlphaNodes(registry); }

    NodeId join(NodeId image, NodeId mask) {
        const NodeId n = add("JoinImageWithAlpha");
        link(image, 0, n, "image");
        link(mask, 0, n, "alpha");
        return n;
    }
    // One pixel of each: [1,1,1,3] and [1,1,1].
    static at::Tensor pixel(float r, float g, float b) { return at::tensor({r, g, b}).view({1, 1, 1, 3}); }
    static at::Tensor maskValue(float m) { return at::full({1, 1, 1}, m); }
};

TEST_F(ImageAlphaNodes, JoinAndSplitCarryOneMinusTheMaskAsAlpha) {
    const at::Tensor rgb = at::rand({2, 4, 6, 3});
    const at::Tensor small = at::full({1, 2, 3}, 0.25f);  // resized to 4x6 (bilinear of a constant) and repeated
    const NodeId joined = join(image(rgb), mask(small));
    const at::Tensor rgba = imageOf(joined);
    ASSERT_EQ(rgba.sizes(), (at::IntArrayRef{2, 4, 6, 4}));
    EXPECT_TRUE(sameTensor(rgba.narrow(3, 0, 3), rgb));
    EXPECT_TRUE(sameTensor(rgba.select(3, 3), at::full({2, 4, 6}, 0.75f)));

    const NodeId split = add("SplitImageWithAlpha");
    link(joined, 0, split, "image");
    EXPECT_TRUE(sameTensor(imageOf(split, 0), rgb));
    EXPECT_TRUE(sameTensor(maskOf(split, 1), at::full({2, 4, 6}, 0.25f)));
    // Without alpha the mask is empty (fully opaque).
    const NodeId opaque = add("SplitImageWithAlpha");
    link(image(rgb), 0, opaque, "image");
    EXPECT_TRUE(sameTensor(maskOf(opaque, 1), at::zeros({2, 4, 6})));
}

TEST_F(ImageAlphaNodes, SaveImageWritesRgbaAsATransparentPng) {
    const at::Tensor rgb = at::full({1, 2, 2, 3}, 0.5f);
    at::Tensor transparency = at::zeros({1, 2, 2});
    transparency[0][0][1] = 1.0f;  // one fully transparent pixel
    transparency[0][1][0] = 0.4f;
    const NodeId save = add("SaveImage", {{"filename_prefix", "cutout"}});
    link(join(image(rgb), mask(transparency)), 0, save, "images");
    ASSERT_TRUE(run().succeeded());
    const cv::Mat png = cv::imread(env.outputDir + "/cutout_00001_.png", cv::IMREAD_UNCHANGED);
    ASSERT_EQ(png.channels(), 4);
    // BGRA, 8-bit by ComfyUI's truncation: 0.5 -> 127, alpha 1 - 0.4 = 0.6 -> 153.
    EXPECT_EQ(png.at<cv::Vec4b>(0, 0), cv::Vec4b(127, 127, 127, 255));
    EXPECT_EQ(png.at<cv::Vec4b>(0, 1)[3], 0);
    EXPECT_EQ(png.at<cv::Vec4b>(1, 0)[3], 153);
}

TEST_F(ImageAlphaNodes, PorterDuffModesFollowComfyUIsFormulas) {
    // Source red at alpha 0.6 (mask 0.4), destination (0.2, 0.4, 1) at alpha 0.5.
    const at::Tensor src = pixel(1.0f, 0.0f, 0.0f), dst = pixel(0.2f, 0.4f, 1.0f);
    const float sa = 0.6f, da = 0.5f;
    auto composite = [&](const std::string& mode) {
        const NodeId n = add("PorterDuffImageComposite", {{"mode", mode}});
        link(image(src), 0, n, "source");
        link(mask(maskValue(1 - sa)), 0, n, "source_alpha");
        link(image(dst), 0, n, "destination");
        link(mask(maskValue(1 - da)), 0, n, "destination_alpha");
        return std::pair{imageOf(n, 0), maskOf(n, 1)};
    };
    const at::Tensor s = src * sa, d = dst * da;
    // SRC_OVER: A = Sa + (1 - Sa) Da, O = (S + (1 - Sa) D) / A.
    const float over = sa + (1 - sa) * da;
    auto [overImage, overMask] = composite("SRC_OVER");
    EXPECT_TRUE(nearTensor(overImage, (s + (1 - sa) * d) / over, 1e-6));
    EXPECT_TRUE(nearTensor(overMask, maskValue(1 - over), 1e-6));
    // DST (the default) keeps the destination; XOR mixes what only one side covers.
    auto [dstImage, dstMask] = composite("DST");
    EXPECT_TRUE(nearTensor(dstImage, dst, 1e-6));
    EXPECT_TRUE(nearTensor(dstMask, maskValue(1 - da), 1e-6));
    const float xorAlpha = (1 - da) * sa + (1 - sa) * da;
    EXPECT_TRUE(nearTensor(composite("XOR").first, ((1 - da) * s + (1 - sa) * d) / xorAlpha, 1e-6));
    // ComfyUI's DARKEN adds the whole min(S, D) to the uncovered parts.
    const float unionAlpha = sa + da - sa * da;
    EXPECT_TRUE(nearTensor(composite("DARKEN").first,
                           (((1 - da) * s + (1 - sa) * d + at::minimum(s, d)) / unionAlpha).clamp(0.0, 1.0), 1e-6));
    // CLEAR leaves nothing: black and fully transparent.
    auto [cleared, clearedMask] = composite("CLEAR");
    EXPECT_TRUE(sameTensor(cleared, at::zeros({1, 1, 1, 3})));
    EXPECT_TRUE(sameTensor(clearedMask, at::ones({1, 1, 1})));
}

TEST_F(ImageAlphaNodes, PorterDuffResizesTheSourceToTheDestination) {
    const NodeId n = add("PorterDuffImageComposite", {{"mode", "SRC"}});
    link(image(at::full({1, 2, 2, 3}, 0.3f)), 0, n, "source");
    link(mask(at::zeros({1, 2, 2})), 0, n, "source_alpha");
    link(image(at::rand({2, 5, 4, 3})), 0, n, "destination");
    link(mask(at::zeros({2, 5, 4})), 0, n, "destination_alpha");
    // The first images only (the shortest input has one), at the destination's size.
    EXPECT_TRUE(nearTensor(imageOf(n, 0), at::full({1, 5, 4, 3}, 0.3f), 1e-6));
}

}  // namespace
