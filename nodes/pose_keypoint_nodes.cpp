// Nodes over POSE_KEYPOINT (OpenPose JSON): comfyui_controlnet_aux's SavePoseKpsAsJsonFile and
// RenderPeopleKps, Tessera's LoadPoseKeypoints (a JSON file from the input folder) and PoseEditor
// (keypoints dragged in the editor's pose editor, kept as the node's `pose_json` widget).
#include "core/common/error.h"
#include "core/io/json.h"
#include "nodes/decl_helpers.h"
#include "nodes/image_node_support.h"
#include "nodes/pose_drawing.h"
#include "nodes/preprocessor_routes.h"

#include <ATen/ATen.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace tessera::nodes {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPoseKpsCategory = "ControlNet Preprocessors/Pose Keypoint Postprocess";
constexpr size_t kMaxPoseJsonBytes = 64u << 20;

// 1 + the highest N of files <base>_N.json in `folder`.
int nextPoseJsonCounter(const fs::path& folder, const std::string& base) {
    int highest = 0;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(folder, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.size() <= base.size() + 6 || name.compare(0, base.size() + 1, base + "_") != 0 ||
            entry.path().extension() != ".json")
            continue;
        const std::string digits = name.substr(base.size() + 1, name.size() - base.size() - 6);
        if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) continue;
        highest = std::max(highest, std::stoi(digits));
    }
    return highest + 1;
}

std::vector<PoseFrame> posePeopleInput(const NodeContext& ctx, const std::string& input) {
    return ctx.get<PoseKeypointValue>(input)->frames;
}

at::Tensor renderPoseFrames(const NodeContext& ctx, const std::vector<PoseFrame>& frames, const PoseDrawOptions& o) {
    if (frames.empty()) ctx.fail("the keypoints hold no frame to draw");
    std::vector<at::Tensor> images;
    for (const PoseFrame& f : frames) {
        if (f.canvasWidth != frames.front().canvasWidth || f.canvasHeight != frames.front().canvasHeight)
            ctx.fail("the frames have different canvas sizes; a batch of images needs one size");
        const cv::Mat canvas = drawPoses(f.people, int(f.canvasHeight), int(f.canvasWidth), o);
        images.push_back(at::from_blob(canvas.data, {canvas.rows, canvas.cols, 3}, at::kByte).to(at::kFloat).div(255.0f));
    }
    return at::stack(images);
}

NodeDecl savePoseKpsDecl() {
    NodeDecl d = makeDecl("SavePoseKpsAsJsonFile", "Save Pose Keypoints", kPoseKpsCategory,
                          "Writes the keypoints as OpenPose JSON (the list of frames) to the output folder as "
                          "<filename_prefix>_00001.json, numbered after the files already there.");
    d.inputs = {port("pose_kps", kPoseKeypointType), stringInput("filename_prefix", "PoseKeypoint")};
    d.isOutput = true;
    d.run = [](NodeContext& ctx) {
        const std::vector<PoseFrame> frames = posePeopleInput(ctx, "pose_kps");
        const std::string& prefix = ctx.getString("filename_prefix");
        const fs::path relative = fs::path(prefix).lexically_normal();
        bool escapes = prefix.empty() || relative.is_absolute();
        for (const auto& part : relative) escapes = escapes || part == "..";
        if (escapes) ctx.fail("filename_prefix '" + prefix + "' must be a relative name inside the output folder");
        if (ctx.env().outputDir.empty()) ctx.fail("no output folder is set; choose one in the settings");
        const fs::path dir = (fs::path(ctx.env().outputDir) / relative).parent_path();
        const std::string base = relative.filename().string();
        std::error_code ec;
        fs::create_directories(dir, ec);
        char number[32];
        std::snprintf(number, sizeof number, "_%05d.json", nextPoseJsonCounter(dir, base));
        const fs::path path = dir / (base + number);
        std::ofstream out(path, std::ios::binary);
        out << writeJson(poseFramesToJson(frames));
        if (!out.flush()) ctx.fail("could not write '" + path.string() + "'");
        return std::vector<Value>{};
    };
    return d;
}

NodeDecl renderPeopleKpsDecl() {
    NodeDecl d = makeDecl("RenderPeopleKps", "Render Pose JSON (Human)", kPoseKpsCategory,
                          "Draws OpenPose keypoints as the OpenPose ControlNets expect them, on a black canvas of "
                          "the keypoints' canvas size (one image per frame).");
    d.inputs = {port("kps", kPoseKeypointType), boolInput("render_body", true), boolInput("render_hand", true),
                boolInput("render_face", true)};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        PoseDrawOptions o;
        o.body = ctx.getBool("render_body");
        o.hands = ctx.getBool("render_hand");
        o.face = ctx.getBool("render_face");
        return std::vector<Value>{imageValue(renderPoseFrames(ctx, posePeopleInput(ctx, "kps"), o))};
    };
    return d;
}

std::vector<PoseFrame> readPoseJsonFile(const NodeContext& ctx, const std::string& name) {
    if (name.empty()) ctx.fail("no JSON file is chosen");
    fs::path path(name);
    if (path.is_relative()) path = fs::path(ctx.env().inputDir) / path;
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec) ctx.fail("cannot read the pose file '" + path.string() + "'");
    if (size > kMaxPoseJsonBytes) ctx.fail("the pose file '" + path.string() + "' is larger than 64 MiB");
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    try {
        return poseFramesFromJson(parseJson(text.str(), "the pose file '" + path.string() + "'"),
                                  "the pose file '" + path.string() + "'");
    } catch (const Error& e) {
        ctx.fail(e.what());
    }
}

NodeDecl loadPoseKeypointsDecl() {
    NodeDecl d = makeDecl("LoadPoseKeypoints", "Load Pose Keypoints (JSON)", kPoseKpsCategory,
                          "Reads OpenPose JSON keypoints (as Save Pose Keypoints writes them, or one frame object) "
                          "from a file in the input folder (or an absolute path), and draws them.");
    InputDecl file = stringInput("json_file", "");
    file.isFile = true;
    d.inputs = {file};
    d.outputs = {output("IMAGE", "IMAGE"), output("POSE_KEYPOINT", kPoseKeypointType)};
    d.run = [](NodeContext& ctx) {
        std::vector<PoseFrame> frames = readPoseJsonFile(ctx, ctx.getString("json_file"));
        at::Tensor image = renderPoseFrames(ctx, frames, PoseDrawOptions{});
        return std::vector<Value>{imageValue(image), Value(std::make_shared<const PoseKeypointValue>(std::move(frames)))};
    };
    return d;
}

NodeDecl poseEditorDecl() {
    NodeDecl d = makeDecl(
        "PoseEditor", "Pose Editor", kPoseKpsCategory,
        "A pose to drag into shape in Tessera's pose editor (open it from the node): the edited keypoints are kept in "
        "pose_json (OpenPose JSON) and drawn for an OpenPose ControlNet. With pose_json empty the connected keypoints "
        "pass through; the editor starts from them and shows the optional image faded underneath.");
    InputDecl json = stringInput("pose_json", "", true);
    d.inputs = {port("pose_kps", kPoseKeypointType, true), port("image", "IMAGE", true), json};
    d.outputs = {output("IMAGE", "IMAGE"), output("POSE_KEYPOINT", kPoseKeypointType)};
    d.run = [](NodeContext& ctx) {
        const std::string& text = ctx.getString("pose_json");
        std::vector<PoseFrame> frames;
        if (!text.empty()) {
            try {
                frames = poseFramesFromJson(parseJson(text, "pose_json"), "pose_json");
            } catch (const Error& e) {
                ctx.fail(e.what());
            }
        } else if (ctx.has("pose_kps")) {
            frames = posePeopleInput(ctx, "pose_kps");
        } else {
            ctx.fail("no pose: connect pose_kps or edit a pose in the pose editor");
        }
        at::Tensor image = renderPoseFrames(ctx, frames, PoseDrawOptions{});
        return std::vector<Value>{imageValue(image), Value(std::make_shared<const PoseKeypointValue>(std::move(frames)))};
    };
    return d;
}

}  // namespace

void addPoseKeypointNodes(Registry& registry) {
    registry.add(savePoseKpsDecl());
    registry.add(renderPeopleKpsDecl());
    registry.add(loadPoseKeypointsDecl());
    registry.add(poseEditorDecl());
}

}  // namespace tessera::nodes
