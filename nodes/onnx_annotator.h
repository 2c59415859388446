#pragma once
// Preprocessor models ("annotators") as ONNX files in the models folder's preprocessors/ sub-folder,
// run on the CPU through OpenCV's DNN module like the depth node. The comfyui_controlnet_aux nodes
// have no model input (the pack downloads its files), so each node reads one fixed file name.
#include "core/exec/node_context.h"

#include <opencv2/core.hpp>

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tessera::nodes {

constexpr const char* kAnnotatorFolder = "preprocessors";

// Full path of `fileName` in a models folder's preprocessors/ sub-folder; fails the node with
// which file goes where when it is missing.
std::string requireAnnotatorModel(const NodeContext& ctx, const std::string& fileName);

// How a pixel value v of channel c becomes the network's input: (v - sub[c]) / div[c] + add, in
// float32 as the pack computes it.
struct BlobNormalisation {
    std::array<float, 3> sub{0.0f, 0.0f, 0.0f};
    std::array<float, 3> div{1.0f, 1.0f, 1.0f};
    float add = 0.0f;
    bool bgr = false;          // channels reversed
    bool onesChannel = false;  // a 4th channel holding what v = 1 of channel 0 becomes (M-LSD)
};

// 8-bit RGB HxWx3 -> a [1,3,H,W] (or [1,4,H,W]) float32 blob.
cv::Mat annotatorBlob(const cv::Mat& rgb8, const BlobNormalisation& n);
// v / divisor + offset.
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
    // The outputs of the given names, in that order; fails naming the missing ones.
    std::vector<cv::Mat> forward(const cv::Mat& blob, const std::vector<std::string>& outputNames);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::string path_;
};

// Runs `detect` (network, padded frame -> 8-bit map of the padded frame's size) on each image of a
// batch through the ONNX model `fileName` of the preprocessors folder: each image framed at
// `resolution` (annotatorFrame, enlarged with `interpolation`), the map cropped back. Failures,
// the model's included, fail the node.
at::Tensor annotateWithModel(const NodeContext& ctx, const at::Tensor& images, const std::string& fileName,
                             int64_t resolution, int interpolation,
                             const std::function<cv::Mat(AnnotatorNet&, const cv::Mat&)>& detect);

}  // namespace tessera::nodes
