// The ONNX-model preprocessors of comfyui_controlnet_aux (HED, PiDiNet, line art) on tiny 1x1-conv
// models (tests/nodes/tiny_onnx), against reference bytes from
// tests/fixtures/preprocessors/make_references.py, which applies the pack's post-processing to the same
// linear models.
#include "tests/nodes/node_test_fixture.h"
#include "tests/nodes/tiny_onnx.h"
#include "tests/nodes/preprocessor_references.h"

#include <opencv2/imgproc.hpp>

#include <fstream>

using namespace tessera;
using tessera::test::sameTensor;
using tessera::test::TinyConvHead;

namespace {

class OnnxPreprocessorsTest : public test::NodeGraphTest {
protected:
    OnnxPreprocessorsTest() { std::filesystem::create_directories(root + "/models/preprocessors"); }
    void writeModel(const std::string& name, const std::vector<TinyConvHead>& heads) {
        std::ofstream(root + "/models/preprocessors/" + name, std::ios::binary) << test::tinyConvHeadsOnnx(heads);
    }
    static at::Tensor reference(const std::string& name) { return test::preprocessorReference(name); }
    at::Tensor run(const std::string& type, std::map<std::string, Value> widgets, at::Tensor img = {}) {
        if (!img.defined()) img = reference("input").to(at::kFloat).div(255.0).unsqueeze(0);
        const NodeId n = add(type, std::move(widgets));
        link(image(img), 0, n, "image");
        return imageOf(n)[0].mul(255.0).round().to(at::kByte);
    }
};

// The same heads as make_references.py.
const std::vector<TinyConvHead> kHedHeads = {{"p1", {0.02f, -0.015f, 0.01f}, -1.0f}, {"p2", {-0.01f, 0.02f, -0.005f}, 0.5f}};
const std::vector<TinyConvHead> kPidiHeads = {{"side", {1.0f, 1.0f, 1.0f}, 0.0f}, {"fused", {0.5f, 0.3f, -0.2f}, 0.1f}};
const std::vector<TinyConvHead> kLineartHead = {{"line", {0.4f, 0.4f, 0.2f}, -0.1f}};

TEST_F(OnnxPreprocessorsTest, HedAveragesItsSideOutputs) {
    writeModel("ControlNetHED.onnx", kHedHeads);
    EXPECT_TRUE(sameTensor(run("HEDPreprocessor", {{"safe", "disable"}, {"resolution", 64}}), reference("hed")));
    EXPECT_TRUE(sameTensor(run("HEDPreprocessor", {{"safe", "enable"}, {"resolution", 64}}), reference("hed_safe")));
}

TEST_F(OnnxPreprocessorsTest, PidinetReadsBgrAndUsesItsLastOutput) {
    writeModel("table5_pidinet.onnx", kPidiHeads);
    EXPECT_TRUE(sameTensor(run("PiDiNetPreprocessor", {{"safe", "disable"}, {"resolution", 64}}), reference("pidinet")));
    EXPECT_TRUE(sameTensor(run("PiDiNetPreprocessor", {{"safe", "enable"}, {"resolution", 64}}), reference("pidinet_safe")));
}

TEST_F(OnnxPreprocessorsTest, LineartInvertsTheModelsLines) {
    writeModel("sk_model.onnx", kLineartHead);
    EXPECT_TRUE(sameTensor(run("LineArtPreprocessor", {{"coarse", "disable"}, {"resolution", 64}}), reference("lineart")));
    // coarse reads the other file: a model that outputs 0.2 everywhere draws 255 - 51.
    writeModel("sk_model2.onnx", {{"line", {0.0f, 0.0f, 0.0f}, 0.2f}});
    EXPECT_TRUE(sameTensor(run("LineArtPreprocessor", {{"coarse", "enable"}, {"resolution", 64}}),
                           at::full({64, 128, 3}, 204, at::kByte)));
}

TEST_F(OnnxPreprocessorsTest, AnimeLineartRunsAt256MultiplesAndComesBackAtTheDetectSize) {
    // -0.6 out -> 0.4 * 127.5 = 51 (truncated from 51.0), inverted 204, wherever the model looks.
    writeModel("netG.onnx", {{"line", {0.0f, 0.0f, 0.0f}, -0.6f}});
    const at::Tensor out = run("AnimeLineArtPreprocessor", {{"resolution", 96}}, at::rand({1, 40, 50, 3}));
    EXPECT_TRUE(sameTensor(out, at::full({96, 120, 3}, 204, at::kByte)));
}

TEST_F(OnnxPreprocessorsTest, MlsdDrawsTheSegmentsOfStrongCentres) {
    // Centre logit = 3 * red (on -1..1): +3 on red dots, -3 elsewhere (sigmoid 0.95 / 0.047). Every
    // pixel's segment runs from (-5, -1) to (+5, +2) around it (length sqrt(109) = 10.4).
    std::ofstream(root + "/models/preprocessors/mlsd_large_512_fp32.onnx", std::ios::binary)
        << test::tinyConvOnnx(4, {{3, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}},
                              {0, -5, -1, 5, 2}, "tpMap");
    at::Tensor img = at::zeros({1, 64, 64, 3});
    img[0][10][20][0] = 1.0f;
    img[0][40][30][0] = 1.0f;
    auto mlsd = [&](double score, double dist) {
        return run("M-LSDPreprocessor", {{"score_threshold", score}, {"dist_threshold", dist}, {"resolution", 64}}, img)
            .select(2, 0);
    };
    cv::Mat want = cv::Mat::zeros(64, 64, CV_8U);
    cv::line(want, {15, 9}, {25, 12}, cv::Scalar(255), 1);
    cv::line(want, {25, 39}, {35, 42}, cv::Scalar(255), 1);
    const at::Tensor wantTensor = at::from_blob(want.data, {64, 64}, at::kByte).clone();
    EXPECT_TRUE(sameTensor(mlsd(0.1, 0.1), wantTensor));
    EXPECT_TRUE(sameTensor(mlsd(0.1, 10.0), wantTensor));
    EXPECT_EQ(mlsd(0.1, 10.5).sum().item<int64_t>(), 0);  // too short
    EXPECT_EQ(mlsd(0.96, 0.1).sum().item<int64_t>(), 0);  // too weak
    // A score threshold below the background's 0.047 draws the strongest 200 centres: the two dots first.
    EXPECT_GT(mlsd(0.01, 0.1).sum().item<int64_t>(), wantTensor.sum().item<int64_t>());
}

TEST_F(OnnxPreprocessorsTest, SegmentationPaintsTheBestClassInTheAdePalette) {
    // Class 0 (wall) scores the normalised red, class 2 (sky) the green, class 4 (tree) the blue; the rest never win.
    std::vector<std::vector<float>> weights(150, std::vector<float>{0, 0, 0});
    std::vector<float> biases(150, -100.0f);
    weights[0] = {1, 0, 0};
    weights[2] = {0, 1, 0};
    weights[4] = {0, 0, 1};
    biases[0] = biases[2] = biases[4] = 0.0f;
    std::ofstream(root + "/models/preprocessors/upernet_global_small.onnx", std::ios::binary)
        << test::tinyConvOnnx(3, weights, biases, "seg_logits");
    at::Tensor img = at::zeros({1, 64, 64, 3});
    img.slice(1, 0, 20).select(3, 0).fill_(1.0f);   // red band
    img.slice(1, 20, 40).select(3, 1).fill_(1.0f);  // green band
    img.slice(1, 40).select(3, 2).fill_(1.0f);      // blue band
    const at::Tensor got = run("UniFormer-SemSegPreprocessor", {{"resolution", 64}}, img);
    at::Tensor want = at::empty({64, 64, 3}, at::kByte);
    want.slice(0, 0, 20).copy_(at::tensor({120, 120, 120}, at::kByte));
    want.slice(0, 20, 40).copy_(at::tensor({6, 230, 230}, at::kByte));
    want.slice(0, 40).copy_(at::tensor({4, 200, 3}, at::kByte));
    EXPECT_TRUE(sameTensor(got, want));
    EXPECT_TRUE(sameTensor(run("SemSegPreprocessor", {{"resolution", 64}}, img), want));  // the legacy alias
}

// Class 0 of the tiny segmenter scores the normalised red, class 80 the green, class 132 the blue.
void writeCocoSegmenter(const std::string& root, int classes) {
    std::vector<std::vector<float>> weights(size_t(classes), std::vector<float>{0, 0, 0});
    std::vector<float> biases(size_t(classes), -100.0f);
    weights[0] = {1, 0, 0};
    weights[80] = {0, 1, 0};
    weights[132] = {0, 0, 1};
    biases[0] = biases[80] = biases[132] = 0.0f;
    std::ofstream(root + "/models/preprocessors/150_16_swin_l_oneformer_coco_100ep.onnx", std::ios::binary)
        << test::tinyConvOnnx(3, weights, biases, "sem_seg");
}

TEST_F(OnnxPreprocessorsTest, CocoSegmentationPaintsTheBestClassInTheCocoPanopticPalette) {
    writeCocoSegmenter(root, 133);
    at::Tensor img = at::zeros({1, 64, 64, 3});
    img.slice(1, 0, 20).select(3, 0).fill_(1.0f);
    img.slice(1, 20, 40).select(3, 1).fill_(1.0f);
    img.slice(1, 40).select(3, 2).fill_(1.0f);
    at::Tensor want = at::empty({64, 64, 3}, at::kByte);  // person, banner, rug-merged in detectron2's colours
    want.slice(0, 0, 20).copy_(at::tensor({220, 20, 60}, at::kByte));
    want.slice(0, 20, 40).copy_(at::tensor({255, 255, 128}, at::kByte));
    want.slice(0, 40).copy_(at::tensor({250, 141, 255}, at::kByte));
    EXPECT_TRUE(sameTensor(run("OneFormer-COCO-SemSegPreprocessor", {{"resolution", 64}}, img), want));
    EXPECT_TRUE(sameTensor(run("AIO_Preprocessor", {{"preprocessor", "OneFormer-COCO-SemSegPreprocessor"}, {"resolution", 64}}, img),
                           want));
    // An ADE20K model under the COCO name is named.
    writeCocoSegmenter(root, 150);
    const NodeId n = add("OneFormer-COCO-SemSegPreprocessor", {{"resolution", 64}});
    link(image(img), 0, n, "image");
    const std::string failure = failureOf(n);
    EXPECT_NE(failure.find("not [1,133,h,w] COCO panoptic class scores"), std::string::npos) << failure;
}

TEST_F(OnnxPreprocessorsTest, MissingModelsSayWhichFileGoesWhere) {
    const NodeId n = add("HEDPreprocessor");
    link(image(at::rand({1, 8, 8, 3})), 0, n, "image");
    const std::string failure = failureOf(n);
    EXPECT_NE(failure.find("ControlNetHED.onnx"), std::string::npos) << failure;
    EXPECT_NE(failure.find(root + "/models/preprocessors"), std::string::npos) << failure;
    // AIO routes to the same node and so says the same.
    const NodeId aio = add("AIO_Preprocessor", {{"preprocessor", "AnimeLineArtPreprocessor"}});
    link(image(at::rand({1, 8, 8, 3})), 0, aio, "image");
    EXPECT_NE(failureOf(aio).find("netG.onnx"), std::string::npos);
}

TEST_F(OnnxPreprocessorsTest, AioRunsOnnxPreprocessorsWithSafeEnabled) {
    writeModel("ControlNetHED.onnx", kHedHeads);
    EXPECT_TRUE(sameTensor(run("AIO_Preprocessor", {{"preprocessor", "HEDPreprocessor"}, {"resolution", 64}}),
                           reference("hed_safe")));
}

}  // namespace
