#pragma once
// Whole-body keypoints from DWPose's RTMPose ONNX estimator (dw-ll_ucoco_384.onnx), as
// comfyui_controlnet_aux's dwpose/dw_onnx/cv_ox_pose.py and wholebody.py compute them: each person box
// grown by 1.25 and to the model's aspect ratio, cut out with an affine warp into the model's input
// (ImageNet mean/std), the SimCC outputs (simcc_x, simcc_y: two bins per input pixel) decoded by argmax,
// mapped back to the image; then the 133 COCO-WholeBody points (17 body, 6 feet, 68 face, 42 hands)
// become OpenPose's 18-point body with a neck between the shoulders, 70 face points and two hands.
#include "nodes/onnx_annotator.h"
#include "nodes/pose_keypoints.h"
#include "nodes/yolox_person_detector.h"

#include <opencv2/core.hpp>

#include <vector>

namespace tessera::nodes {

constexpr int kWholeBodyPoints = 133;

struct WholeBodyPose {
    std::vector<cv::Point2d> points;  // 133, image pixels
    std::vector<double> scores;       // 133
};

// The 2x3 affine matrix taking the box around `center` of size `scale` (already at the input's aspect
// ratio) to an inputWidth x inputHeight crop (mmpose's get_warp_matrix without rotation).
cv::Mat poseCropMatrix(const cv::Point2d& center, const cv::Point2d& scale, int inputWidth, int inputHeight);

// One pose per box (the whole image when `boxes` is empty). `inputWidth` x `inputHeight` is the model's input.
std::vector<WholeBodyPose> estimateWholeBody(AnnotatorNet& net, const cv::Mat& rgb8, const std::vector<PersonBox>& boxes,
                                             int inputWidth, int inputHeight);

// DWPose's conversion to OpenPose parts: points scoring under 0.3 are missing, a part with no point is
// absent; the neck is the shoulders' mean, there when both shoulders score above 0.3; the face gets
// the two eyes of the body as points 69 and 70.
PosePerson wholeBodyToOpenPose(const WholeBodyPose& pose);

}  // namespace tessera::nodes
