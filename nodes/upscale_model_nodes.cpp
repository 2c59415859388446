// Upscale models (ESRGAN / Real-ESRGAN super-resolution after decoding): UpscaleModelLoader and
// ImageUpscaleWithModel, with ComfyUI's names, inputs and tiling (512-pixel tiles overlapping by 32,
// smaller tiles when memory is short). Progress is reported per tile; a cancel stops between tiles.
#include "core/engine/networks/upscale_model.h"
#include "core/exec/memory_budget.h"
#include "core/exec/node_context.h"
#include "nodes/builtin_nodes.h"
#include "nodes/decl_helpers.h"
#include "nodes/image_node_support.h"
#include "nodes/memory_estimates.h"
#include "nodes/model_cache.h"
#include "nodes/upscale_model_value.h"
#include "nodes/values.h"

#include <ATen/ATen.h>

namespace tessera::nodes {

size_t UpscaleModelValue::byteSize() const { return model ? model->byteSize() : 0; }

namespace {

constexpr int64_t kUpscaleTile = 512;
constexpr int64_t kUpscaleOverlap = 32;

std::string upscaleModelFilePath(const NodeContext& ctx) {
    const std::string& name = ctx.getString("model_name");
    const std::string path = ctx.env().findModel("upscale_models", name);
    if (path.empty()) {
        const std::string folder = ctx.env().modelDirs.empty() ? "<models folder>/upscale_models"
                                                               : ctx.env().modelDirs.front() + "/upscale_models";
        ctx.fail(name.empty() ? "no upscale model chosen; put one in " + folder
                              : "upscale model '" + name + "' not found; put it in " + folder);
    }
    return path;
}

NodeDecl upscaleModelLoader() {
    NodeDecl d = makeDecl("UpscaleModelLoader", "Load Upscale Model", "loaders",
                          "Loads an ESRGAN / Real-ESRGAN super-resolution model (.pth or .safetensors) from the "
                          "upscale_models folder; its architecture and scale come from the file.");
    d.inputs = {modelFileInput("model_name", "upscale_models")};
    d.outputs = {output("UPSCALE_MODEL", "UPSCALE_MODEL")};
    d.run = [](NodeContext& ctx) {
        const std::string path = upscaleModelFilePath(ctx);
        return std::vector<Value>{std::make_shared<UpscaleModelValue>(sharedUpscaleModel(path, placementFor(ctx.env())))};
    };
    return d;
}

// The largest tile, from ComfyUI's 512 down to 128, whose working set fits in the memory left;
// the largest tried when none does (requireNodeMemory then says why).
int64_t upscaleTileThatFits(const engine::UpscaleModelConfig& config, int64_t batch, int64_t h, int64_t w) {
    const uint64_t available = availableMemory().bytes;
    int64_t tile = kUpscaleTile;
    while (tile / 2 >= engine::kSmallestUpscaleTile && upscaleModelBytes(config, batch, h, w, tile) > available)
        tile /= 2;
    return upscaleModelBytes(config, batch, h, w, tile) > available ? kUpscaleTile : tile;
}

NodeDecl imageUpscaleWithModel() {
    NodeDecl d = makeDecl("ImageUpscaleWithModel", "Upscale Image (using Model)", "image/upscaling",
                          "Enlarges images with an upscale model (2x, 4x, ... as the model was trained), in "
                          "overlapping tiles so that large images fit in memory.");
    d.inputs = {port("upscale_model", "UPSCALE_MODEL"), port("image", "IMAGE")};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        const auto model = ctx.get<UpscaleModelValue>("upscale_model")->model;
        if (!model) ctx.fail("input 'upscale_model' holds no model");
        const engine::UpscaleModelConfig& config = model->config();
        const at::Tensor image = imageInput(ctx, "image");
        const int64_t batch = image.size(0), h = image.size(1), w = image.size(2);
        if (image.size(3) != config.inChannels)
            ctx.fail("the image has " + std::to_string(image.size(3)) + " channels, upscale model '" + model->name() +
                     "' reads " + std::to_string(config.inChannels));
        const int64_t tile = upscaleTileThatFits(config, batch, h, w);
        requireNodeMemory(ctx, upscaleModelBytes(config, batch, h, w, tile),
                          "upscaling " + std::to_string(batch) + " image(s) of " + std::to_string(w) + "x" +
                              std::to_string(h) + " by " + std::to_string(config.scale) + " (" +
                              std::to_string(tile) + "-pixel tiles)");
        ctx.cancel().throwIfCancelled();
        const at::Tensor nchw = image.permute({0, 3, 1, 2});
        at::Tensor out;
        try {
            out = model->upscale(nchw, {tile, kUpscaleOverlap}, [&ctx](int64_t done, int64_t total) {
                ctx.progress(int(done), int(total));
                ctx.cancel().throwIfCancelled();
            });
        } catch (const Error& e) {
            ctx.fail(e.what());
        }
        return std::vector<Value>{
            std::make_shared<ImageValue>(out.clamp_(0.0, 1.0).permute({0, 2, 3, 1}).contiguous())};
    };
    return d;
}

}  // namespace

void registerUpscaleModelNodes(Registry& registry) {
    registry.add(upscaleModelLoader());
    registry.add(imageUpscaleWithModel());
}

}  // namespace tessera::nodes
