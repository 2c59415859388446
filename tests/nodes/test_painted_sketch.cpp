// PaintedSketch: the sketch editor's coverage PNG coloured and laid on a background, exactly
// background * (1 - coverage) + line_color * coverage, and its errors naming the node and file.
#include "core/io/bundle.h"
#include "core/mask/mask_png.h"
#include "tests/nodes/node_test_fixture.h"

#include <opencv2/imgcodecs.hpp>

#include <fstream>

using namespace tessera;
using namespace tessera::test;

namespace {

class PaintedSketchNode : public NodeGraphTest {
protected:
    // A 5x3 sketch: one full stroke pixel, one half-covered, the rest empty.
    void SetUp() override {
        mask::MaskImage strokes(5, 3);
        strokes.at(1, 0) = 255;
        strokes.at(3, 2) = 128;
        const std::vector<uint8_t> png = mask::encodeMaskPng(strokes);
        std::ofstream(env.inputDir + "/sketch.png", std::ios::binary)
            .write(reinterpret_cast<const char*>(png.data()), std::streamsize(png.size()));
        coverage = at::zeros({1, 3, 5, 1});
        coverage[0][0][1][0] = 1.0f;
        coverage[0][2][3][0] = 128.0f / 255.0f;
    }

    // A 5x3 colour sketch (RGBA: the stroke's colour, alpha = coverage): a red stroke, fully
    // covered, and a blue one at 40 % coverage.
    void writeColourSketch(const std::string& name) {
        cv::Mat bgra(3, 5, CV_8UC4, cv::Scalar(0, 0, 0, 0));
        bgra.at<cv::Vec4b>(0, 1) = cv::Vec4b(0, 0, 255, 255);
        bgra.at<cv::Vec4b>(2, 3) = cv::Vec4b(255, 0, 0, 102);
        std::vector<uint8_t> png;
        ASSERT_TRUE(cv::imencode(".png", bgra, png));
        std::ofstream(env.inputDir + "/" + name, std::ios::binary)
            .write(reinterpret_cast<const char*>(png.data()), std::streamsize(png.size()));
    }

    NodeId sketch(const std::string& color, const std::string& background) {
        return add("PaintedSketch", {{"sketch_file", std::string("sketch.png")}, {"line_color", color},
                                     {"background", background}});
    }

    at::Tensor coverage;
};

}  // namespace

TEST_F(PaintedSketchNode, WhiteStrokesOnBlackAreTheCoverage) {
    const at::Tensor out = imageOf(sketch("#ffffff", "black"));
    ASSERT_EQ(out.sizes(), (at::IntArrayRef{1, 3, 5, 3}));
    EXPECT_TRUE(out.equal(coverage.expand({1, 3, 5, 3})));
}

TEST_F(PaintedSketchNode, ColouredStrokesOnWhite) {
    const at::Tensor out = imageOf(sketch("#f80", "white"));  // #ff8800
    const at::Tensor ink = at::tensor({1.0f, 136.0f / 255.0f, 0.0f}).view({1, 1, 1, 3});
    EXPECT_TRUE(at::allclose(out, (1 - coverage) + ink * coverage, 0, 1e-6));
    EXPECT_FLOAT_EQ(out[0][0][1][1].item<float>(), 136.0f / 255.0f);
    EXPECT_FLOAT_EQ(out[0][1][1][2].item<float>(), 1.0f);
}

TEST_F(PaintedSketchNode, StrokesOverTheConnectedImage) {
    const at::Tensor source = at::rand({1, 3, 5, 3});
    const NodeId n = sketch("#000000", "image");
    link(image(source), 0, n, "image");
    const at::Tensor out = imageOf(n);
    EXPECT_TRUE(at::allclose(out, source * (1 - coverage), 0, 1e-6));
    EXPECT_TRUE(out[0][0][0].equal(source[0][0][0]));
    EXPECT_FLOAT_EQ(out[0][0][1][0].item<float>(), 0.0f);
}

TEST_F(PaintedSketchNode, ErrorsNameTheNodeAndWhatIsWrong) {
    const std::string color = failureOf(sketch("orange", "black"));
    EXPECT_NE(color.find("PaintedSketch"), std::string::npos) << color;
    EXPECT_NE(color.find("line_color 'orange' is not a colour"), std::string::npos) << color;

    const std::string noImage = failureOf(sketch("#fff", "image"));
    EXPECT_NE(noImage.find("background 'image' needs an image connected"), std::string::npos) << noImage;

    const NodeId wrongSize = sketch("#fff", "black");
    link(image(at::rand({1, 4, 5, 3})), 0, wrongSize, "image");
    const std::string size = failureOf(wrongSize);
    EXPECT_NE(size.find("the sketch 'sketch.png' is 5x3 but the image is 5x4"), std::string::npos) << size;

    const NodeId missing = add("PaintedSketch", {{"sketch_file", std::string("nowhere.png")}});
    const std::string absent = failureOf(missing);
    EXPECT_NE(absent.find("nowhere.png"), std::string::npos) << absent;
}

// A colour sketch (RGBA PNG: each stroke's colour, alpha = its coverage) keeps every stroke's own
// colour on the background; line_color does not apply to it.
TEST_F(PaintedSketchNode, ColourSketchStrokesKeepTheirColours) {
    writeColourSketch("colour_sketch.png");
    const NodeId n = add("PaintedSketch", {{"sketch_file", std::string("colour_sketch.png")},
                                           {"line_color", std::string("#00ff00")}, {"background", std::string("white")}});
    const at::Tensor out = imageOf(n);
    ASSERT_EQ(out.sizes(), (at::IntArrayRef{1, 3, 5, 3}));
    EXPECT_TRUE(out[0][0][1].equal(at::tensor({1.0f, 0.0f, 0.0f})));
    const float a = 102.0f / 255.0f;
    EXPECT_TRUE(at::allclose(out[0][2][3], at::tensor({1 - a, 1 - a, 1.0f}), 0, 1e-6)) << out[0][2][3];
    EXPECT_TRUE(out[0][1].equal(at::ones({5, 3})));  // no stroke: the background
}

// A .tessera bundle of a black/white sketch (the greyscale coverage PNG drawn before colour
// sketches existed) and of a colour one: both load and run to the same pixels as before saving.
TEST_F(PaintedSketchNode, SketchBundlesLoadUnchanged) {
    writeColourSketch("colour_sketch.png");
    const NodeId old = sketch("#ffffff", "black");
    const NodeId colour = add("PaintedSketch", {{"sketch_file", std::string("colour_sketch.png")},
                                                {"line_color", std::string("#ffffff")}, {"background", std::string("black")}});
    const at::Tensor oldBefore = imageOf(old), colourBefore = imageOf(colour);
    ASSERT_TRUE(oldBefore.equal(coverage.expand({1, 3, 5, 3})));

    Bundle saved{graph, collectInputFiles(graph, registry, QString::fromStdString(env.inputDir)), {}};
    ASSERT_EQ(saved.files.size(), 2u);
    const Bundle loaded = bundleFromZip(bundleToZip(saved), &registry);
    std::filesystem::remove_all(env.inputDir);
    extractInputFiles(loaded, QString::fromStdString(env.inputDir));
    graph = loaded.graph;
    executor.freeAll();  // the nodes read the extracted files again, not the cached outputs

    EXPECT_TRUE(imageOf(old).equal(oldBefore));
    EXPECT_TRUE(imageOf(colour).equal(colourBefore));
    EXPECT_TRUE(colourBefore[0][0][1].equal(at::tensor({1.0f, 0.0f, 0.0f})));
}
