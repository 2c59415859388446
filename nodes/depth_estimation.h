#pragma once
// Monocular depth from ONNX models (MiDaS, DPT, Depth Anything exports) through OpenCV's DNN
// module. How an image is fed to a model is chosen from the model's file name, by rules simple
// enough to state in the node's description (see depthRulesFor).
#include <ATen/core/Tensor.h>

#include <array>
#include <memory>
#include <string>

namespace tessera::nodes {

struct DepthModelRules {
    int sizeMultiple = 32;  // input sides are rounded to a multiple of this
    std::array<float, 3> mean{0.485f, 0.456f, 0.406f};  // per RGB channel, on 0..1 values
    std::array<float, 3> std{0.229f, 0.224f, 0.225f};
    bool metric = false;  // the model outputs distance (far = large) rather than disparity
};

// File name (case-insensitive) ->
//   "depth_anything", "depth-anything", "depthanything" or "dinov2": sides a multiple of 14, else 32;
//   "dpt_" or "beit": mean = std = 0.5 per channel, else ImageNet's mean/std;
//   "metric": the output is a distance and is inverted so that near stays white.
DepthModelRules depthRulesFor(const std::string& fileName);
// Every side is scaled so the shorter one becomes `resolution`, then rounded to the nearest
// multiple (at least one multiple). Returns {height, width}.
std::array<int64_t, 2> depthInputSize(int64_t height, int64_t width, int64_t resolution, int multiple);

class DepthModel {
public:
    // Throws tessera::Error naming the file when it cannot be read as an ONNX network.
    explicit DepthModel(const std::string& onnxPath);
    ~DepthModel();
    DepthModel(const DepthModel&) = delete;
    DepthModel& operator=(const DepthModel&) = delete;

    // One image [H,W,3] float 0..1 -> depth [H,W] normalised to 0..1 with near = 1 (constant
    // output gives zeros). The model sees the image resized to depthInputSize, normalised.
    at::Tensor estimate(const at::Tensor& hwc, int64_t resolution, const DepthModelRules& rules);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::string path_;
};

}  // namespace tessera::nodes
