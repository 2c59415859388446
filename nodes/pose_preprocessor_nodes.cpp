// Human pose for the OpenPose ControlNets with comfyui_controlnet_aux's node names and inputs:
// DWPreprocessor (DWPose: a YOLOX person detector and an RTMPose whole-body estimator, both ONNX files
// in models/preprocessors) and OpenposePreprocessor, whose CMU .pth models Tessera does not run: it
// runs the same DWPose files, which find the same 18 body points (plus hands and face) better.
// Both return the drawn skeletons and the keypoints (POSE_KEYPOINT, OpenPose JSON).
#include "core/common/error.h"
#include "nodes/annotator_frame.h"
#include "nodes/decl_helpers.h"
#include "nodes/image_convert.h"
#include "nodes/image_node_support.h"
#include "nodes/onnx_input_shape.h"
#include "nodes/pose_drawing.h"
#include "nodes/preprocessor_routes.h"
#include "nodes/rtmpose_wholebody.h"

#include <ATen/ATen.h>
#include <opencv2/imgproc.hpp>

namespace tessera::nodes {
namespace {

constexpr const char* kPoseCategory = "ControlNet Preprocessors/Faces and Poses Estimators";
constexpr const char* kYoloxFile = "yolox_l.onnx";
constexpr const char* kDwposeFile = "dw-ll_ucoco_384.onnx";

struct DwposeSettings {
    std::string detectorFile = kYoloxFile;  // empty: the whole image is one person
    std::string estimatorFile = kDwposeFile;
    PoseDrawOptions draw;
    int64_t resolution = 512;
    bool openposeNode = false;  // OpenposePreprocessor: a missing file says why DWPose's files are needed
};

// The model file's path; a missing one fails naming the file and folder.
std::string requirePoseModel(const NodeContext& ctx, const std::string& file, const DwposeSettings& s) {
    if (!s.openposeNode) return requireAnnotatorModel(ctx, file);
    try {
        return requireAnnotatorModel(ctx, file);
    } catch (const Error& e) {  // e already names the node
        throw Error(std::string(e.what()) + ". OpenPose Pose runs DWPose in Tessera (not the CMU body_pose_model.pth, "
                    "hand_pose_model.pth and facenet.pth): it needs " + kYoloxFile + " and " + kDwposeFile +
                    " from huggingface.co/yzd-v/DWPose");
    }
}

struct DwposeOutput {
    at::Tensor images;
    std::vector<PoseFrame> frames;
};

// The ONNX file Tessera runs for a bbox_detector choice of the pack.
std::string dwposeDetectorFile(const NodeContext& ctx, const std::string& choice) {
    if (choice == "None") return {};
    if (choice == "yolox_l.onnx" || choice == "yolox_l.torchscript.pt") return kYoloxFile;
    ctx.fail("bbox_detector '" + choice + "' is not supported: Tessera runs YOLOX ONNX detectors; choose yolox_l.onnx");
}

// The ONNX file Tessera runs for a pose_estimator choice: the TorchScript export is the same network.
std::string dwposeEstimatorFile(const std::string& choice) {
    if (choice == "dw-ll_ucoco.onnx") return choice;
    return kDwposeFile;
}

// The model's [1, 3, H, W] input as (W, H), else the pack's guess from the file name.
cv::Size poseModelInput(const std::string& path, const std::string& fileName) {
    const std::vector<int64_t> shape = onnxFirstInputShape(path);
    if (shape.size() == 4 && shape[2] > 0 && shape[3] > 0 && shape[2] <= 4096 && shape[3] <= 4096)
        return cv::Size(int(shape[3]), int(shape[2]));
    if (fileName.find("yolo") != std::string::npos) return cv::Size(640, 640);
    if (fileName.find("384") != std::string::npos) return cv::Size(288, 384);
    if (fileName.find("256") != std::string::npos) return cv::Size(256, 256);
    return cv::Size(192, 256);
}

PosePerson keepAskedParts(PosePerson p, const PoseDrawOptions& asked) {
    if (!asked.body) p.body.assign(18, std::nullopt);
    if (!asked.hands) {
        p.leftHand.clear();
        p.rightHand.clear();
    }
    if (!asked.face) p.face.clear();
    return p;
}

DwposeOutput runDwpose(const NodeContext& ctx, const at::Tensor& images, const DwposeSettings& s) {
    const std::string posePath = requirePoseModel(ctx, s.estimatorFile, s);
    const std::string detPath = s.detectorFile.empty() ? std::string() : requirePoseModel(ctx, s.detectorFile, s);
    DwposeOutput out;
    try {
        std::unique_ptr<AnnotatorNet> detector = detPath.empty() ? nullptr : std::make_unique<AnnotatorNet>(detPath);
        const int detSize = detPath.empty() ? 0 : poseModelInput(detPath, s.detectorFile).width;
        AnnotatorNet estimator(posePath);
        const cv::Size poseInput = poseModelInput(posePath, s.estimatorFile);
        const int64_t res = annotatorDetectResolution(s.resolution);
        out.images = annotateBatch(ctx, images, [&](const at::Tensor& img) {
            const cv::Mat rgb = toUint8(img);
            std::vector<PosePerson> people;
            const std::vector<PersonBox> boxes = detector ? detectPeopleYolox(*detector, rgb, detSize) : std::vector<PersonBox>{};
            if (!detector || !boxes.empty())
                for (const WholeBodyPose& p : estimateWholeBody(estimator, rgb, boxes, poseInput.width, poseInput.height))
                    people.push_back(wholeBodyToOpenPose(p));
            PoseFrame frame{{}, rgb.cols, rgb.rows};
            for (const PosePerson& p : people) frame.people.push_back(keepAskedParts(p, s.draw));
            out.frames.push_back(std::move(frame));
            const AnnotatorFrame f = annotatorFrame(drawPoses(people, rgb.rows, rgb.cols, s.draw), res, cv::INTER_CUBIC);
            return annotatorResult(f.unpad(f.padded));
        });
    } catch (const Error& e) {
        ctx.fail(e.what());
    }
    return out;
}

std::vector<InputDecl> poseToggleInputs() {
    return {comboInput("detect_hand", {"enable", "disable"}), comboInput("detect_body", {"enable", "disable"}),
            comboInput("detect_face", {"enable", "disable"}), annotatorResolutionInput()};
}

DwposeSettings poseSettingsFrom(const NodeContext& ctx) {
    DwposeSettings s;
    s.draw.hands = ctx.getString("detect_hand") == "enable";
    s.draw.body = ctx.getString("detect_body") == "enable";
    s.draw.face = ctx.getString("detect_face") == "enable";
    s.draw.xinsrSticks = ctx.getString("scale_stick_for_xinsr_cn") == "enable";
    s.resolution = ctx.getInt("resolution");
    return s;
}

std::vector<Value> poseOutputs(DwposeOutput out) {
    return {imageValue(std::move(out.images)), Value(std::make_shared<const PoseKeypointValue>(std::move(out.frames)))};
}

NodeDecl dwPreprocessorDecl() {
    NodeDecl d = makeDecl(
        "DWPreprocessor", "DWPose Estimator", kPoseCategory,
        std::string("OpenPose skeletons (body, hands, face) for an OpenPose ControlNet, and the keypoints as OpenPose "
                    "JSON. Needs two ONNX files from huggingface.co/yzd-v/DWPose in models/preprocessors: ") +
            kYoloxFile + " (person boxes; bbox_detector None treats the whole image as one person) and " + kDwposeFile +
            " (the TorchScript choices run these ONNX files; YOLO-NAS detectors are not supported). Poses are found "
            "on the image at its own size and drawn at `resolution`.");
    d.inputs = poseToggleInputs();
    d.inputs.insert(d.inputs.begin(), port("image", "IMAGE"));
    d.inputs.push_back(comboInput("bbox_detector", {"None", "yolox_l.torchscript.pt", "yolox_l.onnx", "yolo_nas_l_fp16.onnx",
                                                    "yolo_nas_m_fp16.onnx", "yolo_nas_s_fp16.onnx"},
                                  "yolox_l.onnx"));
    d.inputs.push_back(comboInput("pose_estimator", {"dw-ll_ucoco_384_bs5.torchscript.pt", "dw-ll_ucoco_384.onnx", "dw-ll_ucoco.onnx"},
                                  "dw-ll_ucoco_384.onnx"));
    d.inputs.push_back(comboInput("scale_stick_for_xinsr_cn", {"disable", "enable"}));
    d.outputs = {output("IMAGE", "IMAGE"), output("POSE_KEYPOINT", kPoseKeypointType)};
    d.run = [](NodeContext& ctx) {
        DwposeSettings s = poseSettingsFrom(ctx);
        s.detectorFile = dwposeDetectorFile(ctx, ctx.getString("bbox_detector"));
        s.estimatorFile = dwposeEstimatorFile(ctx.getString("pose_estimator"));
        return poseOutputs(runDwpose(ctx, imageInput(ctx, "image"), s));
    };
    return d;
}

NodeDecl openposePreprocessorDecl() {
    NodeDecl d = makeDecl(
        "OpenposePreprocessor", "OpenPose Pose", kPoseCategory,
        std::string("OpenPose skeletons and keypoints, as the pack's OpenPose node gives them. Tessera does not run "
                    "its CMU models (body_pose_model.pth, hand_pose_model.pth, facenet.pth): it runs DWPose instead, "
                    "which finds the same points. Put ") +
            kYoloxFile + " and " + kDwposeFile + " (huggingface.co/yzd-v/DWPose) in models/preprocessors.");
    d.inputs = poseToggleInputs();
    d.inputs.insert(d.inputs.begin(), port("image", "IMAGE"));
    d.inputs.push_back(comboInput("scale_stick_for_xinsr_cn", {"disable", "enable"}));
    d.outputs = {output("IMAGE", "IMAGE"), output("POSE_KEYPOINT", kPoseKeypointType)};
    d.run = [](NodeContext& ctx) {
        DwposeSettings s = poseSettingsFrom(ctx);
        s.openposeNode = true;
        return poseOutputs(runDwpose(ctx, imageInput(ctx, "image"), s));
    };
    return d;
}

at::Tensor poseRouteDefaults(const NodeContext& ctx, const at::Tensor& images, int64_t resolution) {
    DwposeSettings s;
    s.resolution = resolution;
    return runDwpose(ctx, images, s).images;
}

}  // namespace

void addPosePreprocessors(Registry& registry, PreprocessorRoutes& routes) {
    registry.add(dwPreprocessorDecl());
    registry.add(openposePreprocessorDecl());
    routes.push_back({"DWPreprocessor", poseRouteDefaults});
    routes.push_back({"OpenposePreprocessor", poseRouteDefaults});
    addPoseKeypointNodes(registry);
}

}  // namespace tessera::nodes
