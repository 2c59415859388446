#pragma once
// Whole-mask operations of the editor, each returning its MaskEdit for MaskHistory
// (edit.rect is the region to redraw; empty when nothing changed).
#include "core/mask/mask_edit.h"

namespace tessera::mask {

MaskEdit fillMask(MaskImage& mask, float coverage = 1.0f);
MaskEdit clearMask(MaskImage& mask);
MaskEdit invertMask(MaskImage& mask);

}  // namespace tessera::mask
