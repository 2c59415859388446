#pragma once
// People boxes from a YOLOX ONNX detector (yolox_l.onnx of DWPose), decoded as comfyui_controlnet_aux's
// dwpose/dw_onnx/cv_ox_det.py does: the RGB image letterboxed into the model's square input (scaled to
// fit, grey 114 padding on the bottom/right, values 0..255), the [1, N, 5 + classes] output's grid
// offsets and log sizes decoded at strides 8/16/32, scores objectness x class, NMS at IoU 0.45 over
// scores above 0.1, then the person boxes scoring above 0.3.
#include "nodes/onnx_annotator.h"

#include <opencv2/core.hpp>

#include <vector>

namespace tessera::nodes {

struct PersonBox {
    double x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // pixels of the image, corners
    double score = 0;
};

// `rgb8` 8-bit RGB; `inputSize` the model's square input side (640 for yolox_l). Boxes in the order
// the pack keeps them (best first). Throws tessera::Error when the output is not YOLOX's.
std::vector<PersonBox> detectPeopleYolox(AnnotatorNet& net, const cv::Mat& rgb8, int inputSize);

// Greedy NMS as the pack's numpy version (areas with +1, IoU in float32); returns kept indices, best first.
std::vector<size_t> yoloxNms(const std::vector<cv::Vec4f>& boxes, const std::vector<float>& scores, float iouThreshold);

}  // namespace tessera::nodes
