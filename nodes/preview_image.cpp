#include "nodes/preview_image.h"

#include "core/common/error.h"

#include <ATen/ATen.h>

namespace tessera::nodes {

std::shared_ptr<const PreviewImage> previewImageOf(const at::Tensor& rgb) {
    if (!rgb.defined() || rgb.dim() != 3 || rgb.size(0) != 3)
        throw Error("preview: expected an RGB image [3, height, width]");
    const at::Tensor bytes = rgb.detach()
                                 .to(at::kCPU, at::kFloat)
                                 .clamp(0.0, 1.0)
                                 .mul(255.0)
                                 .round()
                                 .to(at::kByte)
                                 .permute({1, 2, 0})
                                 .contiguous();
    auto image = std::make_shared<PreviewImage>();
    image->height = static_cast<int>(bytes.size(0));
    image->width = static_cast<int>(bytes.size(1));
    image->rgb.assign(bytes.data_ptr<uint8_t>(), bytes.data_ptr<uint8_t>() + bytes.numel());
    return image;
}

}  // namespace tessera::nodes
