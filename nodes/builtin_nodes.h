#pragma once
// Registers every built-in node type. Each family lives in its own file and adds its
// declarations through one function, so the list of families is here and nowhere else.
#include "core/graph/registry.h"

namespace tessera::nodes {

void registerBuiltinNodes(Registry& registry);

// One per family (nodes/<family>_nodes.cpp).
void registerLoaderNodes(Registry& registry);
void registerConditioningNodes(Registry& registry);
void registerLatentNodes(Registry& registry);
void registerSamplingNodes(Registry& registry);
void registerImageNodes(Registry& registry);
void registerMaskNodes(Registry& registry);
void registerControlNetNodes(Registry& registry);
void registerPreprocessorNodes(Registry& registry);  // Canny, depth, comfyui_controlnet_aux families, AIO
void registerInpaintCropNodes(Registry& registry);   // InpaintCrop, InpaintStitch
void registerNoteNodes(Registry& registry);          // Note, MarkdownNote
void registerConditioningCombineNodes(Registry& registry);  // ConditioningCombine, Concat, Average, ZeroOut
void registerConditioningRegionNodes(Registry& registry);   // ConditioningSetArea(...), SetMask, SetTimestepRange
void registerLatentBatchNodes(Registry& registry);      // RepeatLatentBatch, LatentFromBatch, LatentBatch,
                                                        // LatentBatchSeedBehavior
void registerLatentTransformNodes(Registry& registry);  // LatentFlip, LatentRotate, LatentCrop
void registerLatentCompositeNodes(Registry& registry);  // LatentComposite(Masked), LatentBlend
void registerLatentMathNodes(Registry& registry);       // LatentAdd, LatentSubtract, LatentMultiply, LatentInterpolate
void registerImageComposeNodes(Registry& registry);     // ImageBatch, ImageBlend, ImageCompositeMasked
void registerImageBatchNodes(Registry& registry);       // EmptyImage, ImageFromBatch
void registerImageTransformNodes(Registry& registry);   // ImageFlip, ImageRotate, RepeatImageBatch, GetImageSize,
                                                        // ResizeAndPadImage, ImageStitch, ImageAddNoise
void registerImageFilterNodes(Registry& registry);      // ImageBlur, ImageSharpen, Morphology
void registerImageAlphaNodes(Registry& registry);       // SplitImageWithAlpha, JoinImageWithAlpha, PorterDuffImageComposite
void registerPrimitiveNodes(Registry& registry);        // PrimitiveInt, PrimitiveFloat, PrimitiveString(Multiline), PrimitiveBoolean
void registerStringNodes(Registry& registry);           // StringConcatenate, StringReplace, RegexExtract, ... (nodes_string.py)
void registerModelMergeNodes(Registry& registry);       // ModelMerge*, CLIPMerge*, CheckpointSave
void registerCheckpointSaveNode(Registry& registry);    // (called by registerModelMergeNodes)
void registerUpscaleModelNodes(Registry& registry);      // UpscaleModelLoader, ImageUpscaleWithModel
void registerGligenNodes(Registry& registry);            // GLIGENLoader, GLIGENTextBoxApply
void registerCustomSamplingNodes(Registry& registry);   // SamplerCustom(Advanced), KSamplerSelect, noise, guiders
void registerSigmaNodes(Registry& registry);            // BasicScheduler, KarrasScheduler, ..., SplitSigmas, FlipSigmas
void registerClipVisionNodes(Registry& registry);       // CLIPVisionLoader, CLIPVisionEncode
void registerUnclipNodes(Registry& registry);           // unCLIPCheckpointLoader, unCLIPConditioning

}  // namespace tessera::nodes
