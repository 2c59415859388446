#pragma once
// POSE_KEYPOINT: human poses in the OpenPose JSON layout comfyui_controlnet_aux emits, one frame per
// image of a batch:
//   [{"people": [{"pose_keypoints_2d": [x, y, c, ...] (18 points), "face_keypoints_2d": (70),
//                 "hand_left_keypoints_2d": (21), "hand_right_keypoints_2d": (21)}],
//     "canvas_height": H, "canvas_width": W}, ...]
// c is 1.0 for a point that is there and 0 (with x = y = 0) for one that is not; a part that was
// not detected (or not asked for) is null.
#include "core/graph/value.h"
#include "core/io/json.h"

#include <optional>
#include <string>
#include <vector>

namespace tessera::nodes {

constexpr const char* kPoseKeypointType = "POSE_KEYPOINT";

struct PosePoint {
    double x = 0.0;
    double y = 0.0;
    bool operator==(const PosePoint& o) const { return x == o.x && y == o.y; }
};
// The points of one part; empty when the part is absent (JSON null).
using PosePart = std::vector<std::optional<PosePoint>>;

struct PosePerson {
    PosePart body;  // OpenPose's 18 body points: nose, neck, right arm, left arm, right leg, left leg, eyes, ears
    PosePart face;  // 70
    PosePart leftHand;   // 21
    PosePart rightHand;  // 21
};

struct PoseFrame {
    std::vector<PosePerson> people;
    int64_t canvasWidth = 0;
    int64_t canvasHeight = 0;
};

struct PoseKeypointValue : Object {
    std::vector<PoseFrame> frames;
    explicit PoseKeypointValue(std::vector<PoseFrame> f) : frames(std::move(f)) {}
    std::string typeName() const override { return kPoseKeypointType; }
    size_t byteSize() const override;
};

Json poseFramesToJson(const std::vector<PoseFrame>& frames);
// Reads a list of frames or a single frame object. A point is there when its confidence is at
// least 1, as the pack's decoder reads it. Throws tessera::Error naming `what` and the problem.
std::vector<PoseFrame> poseFramesFromJson(const Json& json, const std::string& what);

}  // namespace tessera::nodes
