#pragma once
// Poses drawn as comfyui_controlnet_aux draws them (its dwpose/util.py), the picture the OpenPose
// ControlNets were trained on: limbs as filled ellipses in 60% of the OpenPose colours with full-colour
// joints, hands as hue-coded lines with blue points, faces as white dots. Coordinates are pixels,
// or fractions of the canvas when every point of a part lies in 0..1 (as the pack reads them).
#include "nodes/pose_keypoints.h"

#include <opencv2/core.hpp>

#include <vector>

namespace tessera::nodes {

struct PoseDrawOptions {
    bool body = true;
    bool hands = true;
    bool face = true;
    bool xinsrSticks = false;  // thicker limbs on large canvases, for xinsir's SDXL OpenPose ControlNet
};

// An 8-bit RGB height x width canvas, black, with every person drawn (body, hands, face in turn).
cv::Mat drawPoses(const std::vector<PosePerson>& people, int height, int width, const PoseDrawOptions& options);

// The OpenPose limb colours, RGB: limb i (and joint i) of the 18-point body.
const std::vector<cv::Scalar>& openPoseColours();

}  // namespace tessera::nodes
