#pragma once
// How comfyui_controlnet_aux feeds an image to a preprocessor ("annotator"), so Tessera's
// preprocessors give the same pictures: the image becomes 8-bit (255*x truncated), is resized so
// its shorter side is the detect resolution (cubic or the annotator's method when enlarging,
// area averaging when shrinking, sides rounded half-to-even), padded on the bottom/right to a
// multiple of 64 by repeating the edge, processed, and cropped back. The result keeps the detect
// resolution: it is not scaled back to the input's size.
#include "core/exec/node_context.h"

#include <ATen/core/Tensor.h>
#include <opencv2/core.hpp>

#include <functional>

namespace tessera::nodes {

// The pack's rule for the shared `resolution` input: below 64 means 512.
int64_t annotatorDetectResolution(int64_t resolution);

// One image resized (and padded) for an annotator.
struct AnnotatorFrame {
    cv::Mat padded;      // 8-bit RGB, sides multiples of 64
    int height = 0;      // the resized image inside `padded`
    int width = 0;
    cv::Mat unpad(const cv::Mat& detected) const;  // the top-left height x width of a padded-size result
};

// `rgb8` 8-bit RGB; `enlargeInterpolation` is a cv::INTER_* used when the image grows.
AnnotatorFrame annotatorFrame(const cv::Mat& rgb8, int64_t detectResolution, int enlargeInterpolation);

// An 8-bit grey or RGB result -> [H,W,3] float32 v/255.
at::Tensor annotatorResult(const cv::Mat& detected8);

// Runs `perImage` ([H,W,3] float image -> [h,w,3] result) over a batch with progress and cancel;
// results must share one size (they do for one input size).
at::Tensor annotateBatch(const NodeContext& ctx, const at::Tensor& images,
                         const std::function<at::Tensor(const at::Tensor&)>& perImage);

}  // namespace tessera::nodes
