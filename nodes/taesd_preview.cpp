#include "nodes/taesd_preview.h"

#include "core/common/error.h"
#include "core/engine/networks/taesd.h"
#include "nodes/preview_image.h"

#include <ATen/ATen.h>

namespace tessera::nodes {

std::shared_ptr<const PreviewImage> taesdPreview(const engine::TaesdDecoder& decoder, const at::Tensor& scaledLatent) {
    if (!scaledLatent.defined() || scaledLatent.dim() != 4 || scaledLatent.size(0) < 1)
        throw Error("TAESD preview: expected a latent [batch, channels, h, w]");
    return previewImageOf(decoder.decode(scaledLatent.detach().narrow(0, 0, 1))[0]);
}

}  // namespace tessera::nodes
