// DWPose (DWPreprocessor, OpenposePreprocessor) and the POSE_KEYPOINT nodes on tiny ONNX models with
// DWPose's input/output names and shapes, against what comfyui_controlnet_aux's own DwposeDetector
// gives on the same models and image (tests/fixtures/pose/make_pose_references.py).
#include "core/io/json.h"
#include "nodes/image_convert.h"
#include "nodes/onnx_input_shape.h"
#include "nodes/pose_keypoints.h"
#include "tests/nodes/node_test_fixture.h"

#include <fstream>
#include <sstream>

using namespace tessera;
using tessera::test::sameTensor;

namespace {

std::string poseFixture(const std::string& name) { return test::sourceDir() + "/tests/fixtures/pose/" + name; }

std::string readText(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// The reference image as 8-bit [H,W,3].
at::Tensor referenceImage(const std::string& name) {
    return nodes::readImageFile(poseFixture(name + ".png")).rgb[0].mul(255.0).round().to(at::kByte);
}

// Equal JSON trees; numbers equal as doubles.
::testing::AssertionResult sameJson(const Json& got, const Json& want, const std::string& at = "$") {
    if (got.isNumber() && want.isNumber()) {
        if (got.toDouble() == want.toDouble()) return ::testing::AssertionSuccess();
        return ::testing::AssertionFailure() << at << ": " << got.toDouble() << " vs " << want.toDouble();
    }
    if (got.type() != want.type()) return ::testing::AssertionFailure() << at << ": " << got.typeName() << " vs " << want.typeName();
    if (got.isArray()) {
        if (got.array().size() != want.array().size())
            return ::testing::AssertionFailure() << at << ": " << got.array().size() << " vs " << want.array().size() << " items";
        for (size_t i = 0; i < got.array().size(); ++i)
            if (auto r = sameJson(got.array()[i], want.array()[i], at + "[" + std::to_string(i) + "]"); !r) return r;
        return ::testing::AssertionSuccess();
    }
    if (got.isObject()) {
        if (got.object().size() != want.object().size()) return ::testing::AssertionFailure() << at << ": different keys";
        for (const auto& [key, value] : want.object()) {
            const Json* g = got.find(key);
            if (!g) return ::testing::AssertionFailure() << at << ": no " << key;
            if (auto r = sameJson(*g, value, at + "." + key); !r) return r;
        }
        return ::testing::AssertionSuccess();
    }
    return got == want ? ::testing::AssertionSuccess() : ::testing::AssertionFailure() << at << " differs";
}

class PosePreprocessorsTest : public test::NodeGraphTest {
protected:
    PosePreprocessorsTest() { std::filesystem::create_directories(root + "/models/preprocessors"); }
    void installModels() {
        for (const char* f : {"yolox_l.onnx", "dw-ll_ucoco_384.onnx"})
            std::filesystem::copy_file(poseFixture(f), root + "/models/preprocessors/" + f);
    }
    NodeId poseNode(const std::string& type, std::map<std::string, Value> widgets) {
        const NodeId n = add(type, std::move(widgets));
        link(image(nodes::readImageFile(poseFixture("pose_input.png")).rgb), 0, n, "image");
        return n;
    }
    Value outputOf(NodeId node, int slot) {
        const RunResult r = run({node});
        EXPECT_TRUE(r.succeeded()) << r.message;
        if (!r.succeeded()) return {};
        return r.outputs.at(node).at(size_t(slot));
    }
    at::Tensor bytesOf(NodeId node, int slot = 0) { return imageOf(node, slot)[0].mul(255.0).round().to(at::kByte); }
    Json keypointsOf(NodeId node, int slot = 1) {
        const auto kps = outputOf(node, slot).as<nodes::PoseKeypointValue>();
        EXPECT_TRUE(kps);
        return kps ? nodes::poseFramesToJson(kps->frames) : Json();
    }
    static Json referenceJson(const std::string& name) { return parseJson(readText(poseFixture(name + ".json"))); }
};

TEST_F(PosePreprocessorsTest, OnnxInputShapesComeFromTheFiles) {
    EXPECT_EQ(nodes::onnxFirstInputShape(poseFixture("yolox_l.onnx")), (std::vector<int64_t>{1, 3, 640, 640}));
    EXPECT_EQ(nodes::onnxFirstInputShape(poseFixture("dw-ll_ucoco_384.onnx")), (std::vector<int64_t>{1, 3, 384, 288}));
    EXPECT_TRUE(nodes::onnxFirstInputShape(poseFixture("pose_input.png")).empty());
    EXPECT_THROW(nodes::onnxFirstInputShape(root + "/absent.onnx"), Error);
    // Cut inside the graph: an error naming the file, never a read past the end.
    const std::string whole = readText(poseFixture("yolox_l.onnx"));
    for (size_t cut : {size_t(3), size_t(40), whole.size() / 2}) {
        std::ofstream(root + "/cut.onnx", std::ios::binary) << whole.substr(0, cut);
        try {
            EXPECT_TRUE(nodes::onnxFirstInputShape(root + "/cut.onnx").empty()) << cut;
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find("cut.onnx"), std::string::npos) << e.what();
        }
    }
    // A field whose length wraps to -11 (back to its own start) is refused instead of read forever.
    std::istringstream loop(std::string("\x0a\xf5\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11));
    try {
        nodes::onnxFirstInputShape(loop, "loop.onnx");
        ADD_FAILURE() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(std::string(e.what()), "the model 'loop.onnx' declares a field of 18446744073709551605 bytes (is it ONNX?)");
    }
}

TEST_F(PosePreprocessorsTest, DwposeFindsAndDrawsThePeopleAsThePackDoes) {
    installModels();
    const NodeId n = poseNode("DWPreprocessor", {{"resolution", 512}});
    EXPECT_TRUE(sameTensor(bytesOf(n), referenceImage("dwpose_all_512")));
    EXPECT_TRUE(sameJson(keypointsOf(n), referenceJson("dwpose_all_512")));
}

TEST_F(PosePreprocessorsTest, DisabledPartsAreNeitherDrawnNorInTheKeypoints) {
    installModels();
    // The TorchScript choices of published workflows run the same ONNX files.
    const NodeId n = poseNode("DWPreprocessor", {{"resolution", 128}, {"detect_hand", "disable"}, {"detect_face", "disable"},
                                                 {"bbox_detector", "yolox_l.torchscript.pt"},
                                                 {"pose_estimator", "dw-ll_ucoco_384_bs5.torchscript.pt"}});
    EXPECT_TRUE(sameTensor(bytesOf(n), referenceImage("dwpose_body_128")));
    EXPECT_TRUE(sameJson(keypointsOf(n), referenceJson("dwpose_body_128")));
    const NodeId open = poseNode("OpenposePreprocessor", {{"resolution", 128}, {"detect_hand", "disable"}, {"detect_face", "disable"}});
    EXPECT_TRUE(sameTensor(bytesOf(open), referenceImage("dwpose_body_128")));
}

TEST_F(PosePreprocessorsTest, XinsirSticksAreThickerOnLargeCanvases) {
    installModels();
    // The test image enlarged 4x (each pixel repeated): 640 x 480, past the 500 px where sticks thicken.
    const at::Tensor big = nodes::readImageFile(poseFixture("pose_input.png")).rgb.repeat_interleave(4, 1).repeat_interleave(4, 2);
    const NodeId n = add("DWPreprocessor", {{"resolution", 128}, {"scale_stick_for_xinsr_cn", "enable"}});
    link(image(big), 0, n, "image");
    EXPECT_TRUE(sameTensor(bytesOf(n), referenceImage("dwpose_xinsr_x4_128")));
    EXPECT_TRUE(sameJson(keypointsOf(n), referenceJson("dwpose_xinsr_x4_128")));
    graph.node(n)->widgets["scale_stick_for_xinsr_cn"] = Value("disable");
    EXPECT_FALSE(sameTensor(bytesOf(n), referenceImage("dwpose_xinsr_x4_128")));
}

TEST_F(PosePreprocessorsTest, WithoutADetectorTheWholeImageIsOnePerson) {
    installModels();
    const NodeId n = poseNode("DWPreprocessor", {{"resolution", 128}, {"bbox_detector", "None"}});
    EXPECT_TRUE(sameTensor(bytesOf(n), referenceImage("dwpose_nodetector_128")));
    EXPECT_TRUE(sameJson(keypointsOf(n), referenceJson("dwpose_nodetector_128")));
}

TEST_F(PosePreprocessorsTest, MissingModelsSayWhichFileGoesWhere) {
    const std::string failure = failureOf(poseNode("DWPreprocessor", {}));
    EXPECT_NE(failure.find("dw-ll_ucoco_384.onnx"), std::string::npos) << failure;
    EXPECT_NE(failure.find(root + "/models/preprocessors"), std::string::npos) << failure;
    std::filesystem::copy_file(poseFixture("dw-ll_ucoco_384.onnx"), root + "/models/preprocessors/dw-ll_ucoco_384.onnx");
    const std::string noDetector = failureOf(poseNode("OpenposePreprocessor", {}));
    EXPECT_NE(noDetector.find("put yolox_l.onnx in " + root + "/models/preprocessors"), std::string::npos) << noDetector;
    EXPECT_NE(noDetector.find("not the CMU body_pose_model.pth"), std::string::npos) << noDetector;
    const std::string nas = failureOf(poseNode("DWPreprocessor", {{"bbox_detector", "yolo_nas_s_fp16.onnx"}}));
    EXPECT_NE(nas.find("choose yolox_l.onnx"), std::string::npos) << nas;
}

TEST_F(PosePreprocessorsTest, AioRunsDwposeWithEverythingDrawn) {
    installModels();
    const NodeId n = poseNode("AIO_Preprocessor", {{"preprocessor", "DWPreprocessor"}, {"resolution", 512}});
    EXPECT_TRUE(sameTensor(bytesOf(n), referenceImage("dwpose_all_512")));
}

TEST_F(PosePreprocessorsTest, SavedKeypointsLoadBackAndRenderAsThePackRendersThem) {
    installModels();
    const NodeId pose = poseNode("DWPreprocessor", {{"resolution", 128}});
    const NodeId save = add("SavePoseKpsAsJsonFile", {{"filename_prefix", "poses/run"}});
    link(pose, 1, save, "pose_kps");
    ASSERT_TRUE(run({save}).succeeded());
    const std::string saved = root + "/output/poses/run_00001.json";
    ASSERT_TRUE(std::filesystem::exists(saved));
    EXPECT_TRUE(sameJson(parseJson(readText(saved)), keypointsOf(pose)));

    // An edited pose (a moved nose, a dropped elbow, one person in 0..1 coordinates) drawn back.
    std::filesystem::copy_file(poseFixture("edited_pose.json"), root + "/input/edited_pose.json");
    const NodeId load = add("LoadPoseKeypoints", {{"json_file", "edited_pose.json"}});
    EXPECT_TRUE(sameTensor(bytesOf(load), referenceImage("edited_pose_render")));
    const NodeId render = add("RenderPeopleKps");
    link(load, 1, render, "kps");
    EXPECT_TRUE(sameTensor(bytesOf(render), referenceImage("edited_pose_render")));
    // Face dots are the only white.
    auto whitePixels = [](const at::Tensor& rgb) { return rgb.eq(255).all(2).sum().item<int64_t>(); };
    EXPECT_GT(whitePixels(bytesOf(render)), 0);
    const NodeId noFace = add("RenderPeopleKps", {{"render_face", false}});
    link(load, 1, noFace, "kps");
    EXPECT_EQ(whitePixels(bytesOf(noFace)), 0);
}

TEST_F(PosePreprocessorsTest, PoseEditorDrawsItsEditedKeypointsOrPassesTheInputThrough) {
    installModels();
    const NodeId pose = poseNode("DWPreprocessor", {{"resolution", 128}});
    const NodeId passThrough = add("PoseEditor");
    link(pose, 1, passThrough, "pose_kps");
    EXPECT_TRUE(sameJson(keypointsOf(passThrough), keypointsOf(pose)));
    const NodeId edited = add("PoseEditor", {{"pose_json", readText(poseFixture("edited_pose.json"))}});
    link(pose, 1, edited, "pose_kps");
    EXPECT_TRUE(sameTensor(bytesOf(edited), referenceImage("edited_pose_render")));
    EXPECT_TRUE(sameJson(keypointsOf(edited), nodes::poseFramesToJson(nodes::poseFramesFromJson(
                                                  referenceJson("edited_pose"), "reference"))));
    const NodeId broken = add("PoseEditor", {{"pose_json", "[{\"people\": [], \"canvas_width\": 0}]"}});
    const std::string failure = failureOf(broken);
    EXPECT_NE(failure.find("pose_json, frame 1 lacks canvas_width / canvas_height"), std::string::npos) << failure;
}

}  // namespace
