// Making and picking images, with ComfyUI's names, inputs and semantics (nodes.py,
// comfy_extras/nodes_images.py): EmptyImage, ImageFromBatch.
#include "nodes/builtin_nodes.h"
#include "nodes/decl_helpers.h"
#include "nodes/image_node_support.h"
#include "nodes/memory_estimates.h"

#include <ATen/ATen.h>

#include <algorithm>

namespace tessera::nodes {
namespace {

NodeDecl emptyImage() {
    NodeDecl d = makeDecl("EmptyImage", "EmptyImage", "image",
                          "A batch of images of one colour: `color` is 0xRRGGBB (16711680 is red).");
    d.inputs = {intInput("width", 512, 1, kMaxResolution), intInput("height", 512, 1, kMaxResolution),
                intInput("batch_size", 1, 1, 4096), intInput("color", 0, 0, 0xFFFFFF)};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        const int64_t w = ctx.getInt("width"), h = ctx.getInt("height"), b = ctx.getInt("batch_size");
        const int64_t color = ctx.getInt("color");
        requireImageBatchMemory(ctx, b, h, w);
        at::Tensor image = at::empty({b, h, w, 3}, at::kFloat);
        for (int64_t c = 0; c < 3; ++c) image.select(3, c).fill_(double((color >> (16 - 8 * c)) & 0xFF) / 255.0);
        return std::vector<Value>{imageValue(image)};
    };
    return d;
}

NodeDecl imageFromBatch() {
    NodeDecl d = makeDecl("ImageFromBatch", "ImageFromBatch", "image/batch",
                          "Takes `length` images from the batch, starting at `batch_index` (both cut to the batch).");
    d.inputs = {port("image", "IMAGE"), intInput("batch_index", 0, 0, 4095), intInput("length", 1, 1, 4096)};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        const at::Tensor image = imageInput(ctx, "image");
        const int64_t batch = image.size(0);
        const int64_t index = std::min(batch - 1, ctx.getInt("batch_index"));
        const int64_t length = std::min(batch - index, ctx.getInt("length"));
        return std::vector<Value>{imageValue(image.slice(0, index, index + length).clone())};
    };
    return d;
}

}  // namespace

void registerImageBatchNodes(Registry& registry) {
    registry.add(emptyImage());
    registry.add(imageFromBatch());
}

}  // namespace tessera::nodes
