#include "nodes/builtin_nodes.h"

namespace tessera::nodes {

void registerBuiltinNodes(Registry& registry) {
    registerLoaderNodes(registry);
    registerConditioningNodes(registry);
    registerConditioningCombineNodes(registry);
    registerConditioningRegionNodes(registry);
    registerLatentNodes(registry);
    registerLatentBatchNodes(registry);
    registerLatentTransformNodes(registry);
    registerLatentCompositeNodes(registry);
    registerLatentMathNodes(registry);
    registerSamplingNodes(registry);
    registerCustomSamplingNodes(registry);
    registerSigmaNodes(registry);
    registerControlNetNodes(registry);
    registerPreprocessorNodes(registry);
    registerImageNodes(registry);
    registerImageComposeNodes(registry);
    registerImageBatchNodes(registry);
    registerImageTransformNodes(registry);
    registerImageFilterNodes(registry);
    registerImageAlphaNodes(registry);
    registerUpscaleModelNodes(registry);
    registerGligenNodes(registry);
    registerClipVisionNodes(registry);
    registerUnclipNodes(registry);
    registerMaskNodes(registry);
    registerInpaintCropNodes(registry);
    registerNoteNodes(registry);
    registerPrimitiveNodes(registry);
    registerStringNodes(registry);
    registerModelMergeNodes(registry);
}

}  // namespace tessera::nodes
