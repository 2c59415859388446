#pragma once
// "Inpaint this image": the inpainting graph around a LoadImage node and the mask painted for it
// in the mask editor, built or updated as ONE undo step of the GraphDocument.
//
//   LoadImage ─IMAGE─┬──────────────────────────────┐
//                    └─> PaintedMask ─> GrowMask ─> FeatherMask ─> (mask for the method below)
//   method noise_mask:             VAEEncode(image) ─> SetLatentNoiseMask ─> KSampler.latent_image
//   method vae_encode_for_inpaint: VAEEncodeForInpaint(image, mask, grow_mask_by) ─> KSampler
//   method inpaint_model:          InpaintModelConditioning(positive, negative, vae, image, mask) ─> KSampler
//   onlyMasked: InpaintCrop(image, mask, padding, target_size) before, InpaintStitch(source, decoded,
//               crop_info, mask, feather) after the decode, so unmasked pixels stay the source's.
//   outpaint (any pad > 0): ImagePadForOutpaint(image, pads, feathering) feeds the image; its MASK and the
//               painted mask (placed at the pad offset) are joined by MaskComposite "add".
//
// What exists is reused and rewired (the graph's checkpoint, prompts, sampler, decode and save
// nodes, an earlier PaintedMask of this image); what is missing is added next to the LoadImage node.
// A graph with no sampler gets the whole pipeline: CheckpointLoaderSimple (the first checkpoint
// the choice lister offers), positive/negative CLIPTextEncode, KSampler (denoise from the options),
// VAEDecode, SaveImage (prefix "inpaint").
#include <QString>
#include <QVariantMap>

namespace tessera::editor {

// The editor's inpainting options; QVariantMap keys are the member names ("method" is one of
// "noise_mask", "vae_encode_for_inpaint", "inpaint_model").
struct InpaintOptions {
    QString method = "noise_mask";
    int grow = 0;             // GrowMask expand, pixels (negative shrinks)
    int feather = 0;          // FeatherMask on every side, pixels
    bool onlyMasked = false;  // InpaintCrop / InpaintStitch
    int padding = 32;         // around the mask, with onlyMasked
    int targetSize = 512;     // the crop's processing size, with onlyMasked
    int padLeft = 0, padTop = 0, padRight = 0, padBottom = 0;  // outpainting, pixels
    int outpaintFeather = 40;
    double denoise = 1.0;     // used when a KSampler is created

    static InpaintOptions fromVariant(const QVariantMap& map);  // missing keys keep the defaults
    QVariantMap toVariant() const;
    bool outpaints() const { return padLeft > 0 || padTop > 0 || padRight > 0 || padBottom > 0; }
};

}  // namespace tessera::editor
