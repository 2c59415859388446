#pragma once
// Preprocessor models ("annotators") as ONNX files in the models folder's preprocessors/ sub-folder,
// run on the CPU through OpenCV's DNN module like the depth node. The comfyui_controlnet_aux nodes
// have no model input (the pack downloads its files), so each node reads one fixed file name.
#include "core/exec/node_context.h"

#include <opencv2/core.hpp>

#include <memory>
#include <string>
#include <vector>

namespace tessera::nodes {

constexpr const char* kAnnotatorFolder = "preprocessors";

// Full path of `fileName` in a models folder's preprocessors/ sub-folder; fails the node with
// which file goes where when it is missing.
std::string requireAnnotatorModel(const NodeContext& ctx, const std::string& fileName);

// 8-bit RGB HxWx3 -> a [1,3,H,W] float32 blob of v / divisor + offset, channels reversed when `bgr`.
cv::Mat annotatorBlob(const cv::Mat& rgb8, float divisor, float offset, bool bgr = false);

// An [N,C,H,W] (or [C,H,W] / [H,W]) float output's first map as an HxW CV_32F matrix.
cv::Mat firstMap(const cv::Mat& output);

class AnnotatorNet {
public:
    // Throws tessera::Error naming the file when it is not a readable ONNX network.
    explicit AnnotatorNet(const std::string& onnxPath);
    ~AnnotatorNet();
    AnnotatorNet(const AnnotatorNet&) = delete;
    AnnotatorNet& operator=(const AnnotatorNet&) = delete;
    // Every output of the network (in OpenCV's order, not necessarily the file's), or only the
    // output of the network's last layer.
    std::vector<cv::Mat> forward(const cv::Mat& blob, bool lastLayerOnly = false);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::string path_;
};

}  // namespace tessera::nodes
