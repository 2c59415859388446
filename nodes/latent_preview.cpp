#include "nodes/latent_preview.h"

#include "core/common/error.h"
#include "nodes/preview_image.h"

#include <ATen/ATen.h>

namespace tessera::nodes {
namespace {

// ComfyUI's SD1.5 latent_rgb_factors: rows are latent channels, columns R, G, B.
const float kLatentRgbFactors[4][3] = {
    {0.3512f, 0.2297f, 0.3227f},
    {0.3250f, 0.4974f, 0.2350f},
    {-0.2829f, 0.1762f, 0.2721f},
    {-0.2120f, -0.2616f, -0.7177f},
};

}  // namespace

std::shared_ptr<const PreviewImage> latentPreview(const at::Tensor& scaledLatent, int upscale) {
    if (!scaledLatent.defined() || scaledLatent.dim() != 4 || scaledLatent.size(1) != 4 || scaledLatent.size(0) < 1)
        throw Error("latent preview: expected a [batch, 4, h, w] latent");
    const at::Tensor factors = at::from_blob(const_cast<float*>(&kLatentRgbFactors[0][0]), {4, 3}, at::kFloat);
    const at::Tensor first = scaledLatent[0].detach().to(at::kCPU, at::kFloat);      // [4,h,w]
    at::Tensor rgb = at::einsum("chw,cr->rhw", {first, factors}).unsqueeze(0);       // [1,3,h,w]
    if (upscale > 1)
        rgb = at::upsample_bilinear2d(rgb, {first.size(1) * upscale, first.size(2) * upscale}, false);
    return previewImageOf((rgb[0] + 1.0) * 0.5);
}

}  // namespace tessera::nodes
