// CheckpointSave: MODEL + CLIP + VAE -> <output>/<prefix>_00001_.safetensors in the SD1.x/SD2.x
// checkpoint layout (core/engine/checkpoint_save), numbered like SaveImage and never overwriting.
// Metadata as ComfyUI writes it: "prompt" (the API prompt), "modelspec.predict_key", plus the
// Tessera graph under the key Tessera's PNGs use.
#include "core/engine/files/checkpoint.h"
#include "core/engine/files/checkpoint_save.h"
#include "core/engine/files/safetensors.h"
#include "core/exec/node_context.h"
#include "core/io/png_metadata.h"
#include "nodes/builtin_nodes.h"
#include "nodes/decl_helpers.h"
#include "nodes/image_saving.h"
#include "nodes/memory_estimates.h"
#include "nodes/values.h"

#include <ATen/ATen.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <unistd.h>

namespace fs = std::filesystem;

namespace tessera::nodes {
namespace {

std::string numberedCheckpointName(const std::string& base, int counter) {
    char digits[32];
    std::snprintf(digits, sizeof digits, "%05d", counter);
    return base + "_" + digits + "_.safetensors";
}

// The prefix as a path below the output folder; fails on absolute paths and "..".
fs::path checkpointPrefixPath(const NodeContext& ctx, const std::string& prefix) {
    const fs::path relative = fs::path(prefix).lexically_normal();
    bool escapes = prefix.empty() || relative.is_absolute() || relative.has_root_name();
    for (const auto& part : relative)
        if (part == "..") escapes = true;
    const std::string base = relative.filename().string();
    if (escapes || base.empty() || base == ".")
        ctx.fail("filename_prefix '" + prefix +
                 "' must be a file name, optionally inside sub-folders of the output folder (like "
                 "'checkpoints/ComfyUI'); absolute paths and '..' are not allowed");
    return relative;
}

// Writes under a temporary name, then links it to the first free numbered name (link() refuses a
// taken one), so an existing checkpoint is never replaced and no half-written file carries the name.
std::string writeNumberedCheckpoint(const NodeContext& ctx, const fs::path& dir, const std::string& base,
                                    const std::map<std::string, at::Tensor>& tensors,
                                    const std::map<std::string, std::string>& metadata) {
    static std::atomic<int> saving{0};
    const fs::path temp =
        dir / ("." + base + ".saving." + std::to_string(::getpid()) + "." + std::to_string(++saving) + ".safetensors");
    try {
        engine::writeSafetensors(temp.string(), tensors, metadata);
    } catch (const std::exception& e) {
        ctx.fail(std::string("could not write the checkpoint: ") + e.what() + " (is the disk full?)");
    }
    for (int counter = nextImageCounter(dir.string(), base);; ++counter) {
        const fs::path path = dir / numberedCheckpointName(base, counter);
        if (::link(temp.c_str(), path.c_str()) == 0) {
            ::unlink(temp.c_str());
            return path.string();
        }
        if (errno == EEXIST) continue;
        const int err = errno;
        std::error_code ec;
        if ((err == EPERM || err == ENOTSUP || err == EOPNOTSUPP) && !fs::exists(path, ec) &&
            ::rename(temp.c_str(), path.c_str()) == 0)
            return path.string();
        ::unlink(temp.c_str());
        ctx.fail("could not create '" + path.string() + "': " + std::strerror(err));
    }
}

NodeDecl checkpointSave() {
    NodeDecl d = makeDecl("CheckpointSave", "Save Checkpoint", "advanced/model_merging",
                          "Saves the model, text encoder and VAE (merged or LoRA-patched weights included) as one "
                          ".safetensors checkpoint, <filename_prefix>_00001_.safetensors in the output folder; "
                          "Load Checkpoint reads it back. Never overwrites.");
    d.inputs = {port("model", "MODEL"), port("clip", "CLIP"), port("vae", "VAE"),
                stringInput("filename_prefix", "checkpoints/ComfyUI")};
    d.isOutput = true;
    d.run = [](NodeContext& ctx) {
        const auto model = ctx.get<ModelValue>("model");
        const auto clip = ctx.get<ClipValue>("clip");
        const auto vae = ctx.get<VaeValue>("vae");
        if (!vae->vae) ctx.fail("the VAE input holds no VAE");
        if (ctx.env().outputDir.empty()) ctx.fail("no output folder is set; choose one in the settings");
        const fs::path relative = checkpointPrefixPath(ctx, ctx.getString("filename_prefix"));
        const fs::path dir = fs::path(ctx.env().outputDir) / relative.parent_path();
        std::error_code ec;
        fs::create_directories(dir, ec);
        if (ec) ctx.fail("could not create the folder '" + dir.string() + "': " + ec.message());

        // Weights on the GPU are gathered on the CPU before writing.
        requireNodeMemory(ctx, model->model->weights.byteSize(), "the checkpoint being written");
        const auto tensors = engine::checkpointTensors(*model->model, *clip->encoder, *vae->vae);
        auto metadata = engine::checkpointMetadata(*model->model);
        metadata[kPngKeyPrompt] = ctx.env().promptJson;
        if (!ctx.env().workflowJson.empty()) metadata[kPngKeyTessera] = ctx.env().workflowJson;
        ctx.cancel().throwIfCancelled();
        ctx.outputFile(writeNumberedCheckpoint(ctx, dir, relative.filename().string(), tensors, metadata));
        return std::vector<Value>{};
    };
    return d;
}

}  // namespace

void registerCheckpointSaveNode(Registry& registry) { registry.add(checkpointSave()); }

}  // namespace tessera::nodes
