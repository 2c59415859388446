#pragma once
// The parts of the inpainting graph (inpaint_setup.h) that already exist around a LoadImage, found
// by following links: what applyInpaint reuses and what inpaintState reads the options back from.
#include "app/editor/inpaint_setup.h"
#include "core/graph/graph.h"

#include <string>
#include <utility>
#include <vector>

namespace tessera::editor {

struct OutputRef {
    NodeId node = 0;  // 0: none (node ids start at 1)
    int slot = 0;
    explicit operator bool() const { return node != 0; }
};

struct InpaintRoles {
    NodeId load = 0;
    // The mask chain and the image path (0 where absent).
    NodeId painted = 0, grow = 0, feather = 0, pad = 0, composite = 0, crop = 0, stitch = 0;
    // The method nodes: VAEEncode (+ SetLatentNoiseMask), VAEEncodeForInpaint, InpaintModelConditioning.
    NodeId encode = 0, noiseMask = 0, encodeForInpaint = 0, inpaintConditioning = 0;
    NodeId sampler = 0, decode = 0;
    // The inputs the method's latent feeds (the sampler's latent_image, or a NoiseByStrength ...).
    std::vector<std::pair<NodeId, std::string>> latentConsumers;
    // What feeds the method nodes and the sampler, past any InpaintModelConditioning.
    OutputRef vae, positive, negative;
};

InpaintRoles findInpaintRoles(const Graph& graph, NodeId loadImage);

// The options the existing nodes amount to; defaults for the parts that are absent.
InpaintOptions readInpaintOptions(const Graph& graph, const InpaintRoles& roles);

// Whether the sampler types (KSampler, KSamplerAdvanced) include `type`.
bool isSamplerType(const std::string& type);

}  // namespace tessera::editor
