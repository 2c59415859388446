#pragma once
// The preprocessor families (one file each) register their nodes and, for AIO_Preprocessor, a
// route per node: its type and a run with the node's default settings at a given resolution.
#include "core/exec/node_context.h"
#include "core/graph/registry.h"

#include <ATen/core/Tensor.h>

#include <functional>
#include <string>
#include <vector>

namespace tessera::nodes {

struct PreprocessorRoute {
    std::string type;  // the node type, which is also AIO_Preprocessor's name for it
    // images [B,H,W,3] -> the preprocessed batch, every setting but `resolution` at the node's default.
    std::function<at::Tensor(const NodeContext& ctx, const at::Tensor& images, int64_t resolution)> runWithDefaults;
};
using PreprocessorRoutes = std::vector<PreprocessorRoute>;

constexpr const char* kAuxLineCategory = "ControlNet Preprocessors/Line Extractors";

// comfyui_controlnet_aux's shared input: resolution 512, 64..16384 in steps of 64.
InputDecl annotatorResolutionInput();

void addSketchPreprocessors(Registry& registry, PreprocessorRoutes& routes);  // Scribble, XDoG, Binary
void addTilePreprocessors(Registry& registry, PreprocessorRoutes& routes);    // Tile, Color, Shuffle
void addNormalMapPreprocessors(Registry& registry, PreprocessorRoutes& routes);
void addDepthPreprocessors(Registry& registry, PreprocessorRoutes& routes);  // MiDaS, Zoe, Depth Anything (ONNX)
void addSoftEdgePreprocessors(Registry& registry, PreprocessorRoutes& routes);  // HED, PiDiNet (ONNX)
void addLineartPreprocessors(Registry& registry, PreprocessorRoutes& routes);   // LineArt, AnimeLineArt (ONNX)
void addMlsdPreprocessor(Registry& registry, PreprocessorRoutes& routes);       // M-LSD (ONNX)
void addSemsegPreprocessors(Registry& registry, PreprocessorRoutes& routes);    // UniFormer, OneFormer ADE20K (ONNX)
void addPosePreprocessors(Registry& registry, PreprocessorRoutes& routes);  // DWPose, OpenPose (ONNX) + keypoint nodes
void addPoseKeypointNodes(Registry& registry);  // save, load, render and edit POSE_KEYPOINT
void addInpaintPreprocessor(Registry& registry);  // image + mask: not routed (as in the pack)
void addAioPreprocessor(Registry& registry, PreprocessorRoutes routes);

}  // namespace tessera::nodes
