#include "nodes/builtin_nodes.h"

namespace tessera::nodes {

void registerBuiltinNodes(Registry& registry) {
    registerLoaderNodes(registry);
    registerConditioningNodes(registry);
    registerLatentNodes(registry);
    registerSamplingNodes(registry);
    registerControlNetNodes(registry);
    registerPreprocessorNodes(registry);
    registerImageNodes(registry);
    registerMaskNodes(registry);
    registerInpaintCropNodes(registry);
}

}  // namespace tessera::nodes
