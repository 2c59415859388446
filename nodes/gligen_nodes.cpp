// GLIGEN (grounded text boxes): GLIGENLoader and GLIGENTextBoxApply, with ComfyUI's names, inputs and
// defaults. Each box adds a phrase (pooled CLIP output) and its place in latent cells (pixels / 8) to
// every entry of the conditioning; the sampler applies them inside the UNet's transformer blocks.
#include "core/engine/networks/gligen.h"
#include "core/engine/patches/gligen_patch.h"
#include "core/engine/text/pooled_text.h"
#include "core/engine/text/text_encoder.h"
#include "core/engine/text/textual_inversion.h"
#include "core/exec/node_context.h"
#include "nodes/builtin_nodes.h"
#include "nodes/decl_helpers.h"
#include "nodes/gligen_value.h"
#include "nodes/image_node_support.h"
#include "nodes/model_cache.h"
#include "nodes/values.h"

#include <ATen/ATen.h>

namespace tessera::nodes {

size_t GligenValue::byteSize() const { return model ? model->byteSize() : 0; }

namespace {

std::string gligenFilePath(const NodeContext& ctx) {
    const std::string& name = ctx.getString("gligen_name");
    const std::string path = ctx.env().findModel("gligen", name);
    if (path.empty()) {
        const std::string folder = ctx.env().modelDirs.empty() ? "<models folder>/gligen" : ctx.env().modelDirs.front() + "/gligen";
        ctx.fail(name.empty() ? "no GLIGEN model chosen; put one in " + folder
                              : "GLIGEN model '" + name + "' not found; put it in " + folder);
    }
    return path;
}

NodeDecl gligenLoader() {
    NodeDecl d = makeDecl("GLIGENLoader", "Load GLIGEN", "loaders",
                          "Loads a GLIGEN model (e.g. gligen_sd14_textbox_pruned.safetensors) from the gligen folder, "
                          "for placing phrases in boxes with GLIGENTextBoxApply.");
    d.inputs = {modelFileInput("gligen_name", "gligen")};
    d.outputs = {output("GLIGEN", "GLIGEN")};
    d.run = [](NodeContext& ctx) {
        const std::string path = gligenFilePath(ctx);
        return std::vector<Value>{std::make_shared<GligenValue>(sharedGligen(path, placementFor(ctx.env())))};
    };
    return d;
}

engine::EmbeddingFolders gligenEmbeddingFolders(const Environment& env) {
    std::vector<std::string> folders;
    for (const std::string& dir : env.modelDirs) folders.push_back(dir + "/embeddings");
    return engine::EmbeddingFolders(std::move(folders));
}

NodeDecl gligenTextBoxApply() {
    NodeDecl d = makeDecl("GLIGENTextBoxApply", "GLIGEN Textbox Apply", "conditioning/gligen",
                          "Places the text in a width x height box at (x, y) (pixels, rounded down to latent cells): "
                          "the GLIGEN model steers that phrase into the box. Boxes add up (at most 30).");
    d.inputs = {port("conditioning_to", "CONDITIONING"),
                port("clip", "CLIP"),
                port("gligen_textbox_model", "GLIGEN"),
                stringInput("text", "", true),
                intInput("width", 64, 8, kMaxResolution, 8),
                intInput("height", 64, 8, kMaxResolution, 8),
                intInput("x", 0, 0, kMaxResolution, 8),
                intInput("y", 0, 0, kMaxResolution, 8)};
    d.outputs = {output("CONDITIONING", "CONDITIONING")};
    d.run = [](NodeContext& ctx) {
        std::vector<engine::Conditioning> entries = ctx.get<ConditioningValue>("conditioning_to")->entries;
        if (entries.empty()) ctx.fail("input 'conditioning_to' holds no conditioning");
        const auto clip = ctx.get<ClipValue>("clip")->encoder;
        if (!clip) ctx.fail("input 'clip' holds no text encoder");
        const auto model = ctx.get<GligenValue>("gligen_textbox_model")->model;
        if (!model) ctx.fail("input 'gligen_textbox_model' holds no GLIGEN model");
        const engine::EmbeddingFolders embeddings = gligenEmbeddingFolders(ctx.env());
        engine::GligenBox box;
        box.phrase = engine::pooledTextEmbedding(*clip, ctx.getString("text"), &embeddings);
        if (box.phrase.numel() != model->phraseDim())
            ctx.fail("the text encoder gives phrases of width " + std::to_string(box.phrase.numel()) + ", GLIGEN model '" +
                     model->source() + "' reads " + std::to_string(model->phraseDim()) + " (model of another family?)");
        box.height = ctx.getInt("height") / 8;
        box.width = ctx.getInt("width") / 8;
        box.y = ctx.getInt("y") / 8;
        box.x = ctx.getInt("x") / 8;
        for (engine::Conditioning& c : entries) {
            auto gligen = std::make_shared<engine::GligenConditioning>();
            gligen->model = model;
            // Boxes of an earlier GLIGENTextBoxApply stay (ComfyUI keeps them even with another model).
            if (c.gligen) gligen->boxes = c.gligen->boxes;
            if (int(gligen->boxes.size()) >= engine::GligenModel::kMaxBoxes)
                ctx.fail("GLIGEN takes at most " + std::to_string(engine::GligenModel::kMaxBoxes) + " boxes per conditioning");
            gligen->boxes.push_back(box);
            c.gligen = std::move(gligen);
        }
        return std::vector<Value>{std::make_shared<ConditioningValue>(std::move(entries))};
    };
    return d;
}

}  // namespace

void registerGligenNodes(Registry& registry) {
    registry.add(gligenLoader());
    registry.add(gligenTextBoxApply());
}

}  // namespace tessera::nodes
