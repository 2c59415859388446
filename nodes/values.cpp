#include "nodes/values.h"

#include "core/engine/files/checkpoint.h"
#include "core/engine/text/clip_text_model.h"
#include "core/engine/text/text_encoder.h"

#include <ATen/ATen.h>

namespace tessera::nodes {

size_t tensorBytes(const at::Tensor& t) { return t.defined() ? t.numel() * t.element_size() : 0; }

size_t ModelValue::byteSize() const { return model ? model->weights.byteSize() : 0; }
size_t ClipValue::byteSize() const { return encoder ? encoder->model().weights().byteSize() : 0; }
// The VAE and ControlNet keep their tensors privately; count them as small (they are shared,
// and evicting them would only force a reload).
size_t VaeValue::byteSize() const { return 0; }
size_t ControlNetValue::byteSize() const { return 0; }

}  // namespace tessera::nodes
