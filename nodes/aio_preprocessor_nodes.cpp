// AIO_Preprocessor (comfyui_controlnet_aux): any routed preprocessor by name, at its default
// settings, with the resolution input they share.
#include "nodes/decl_helpers.h"
#include "nodes/image_node_support.h"
#include "nodes/preprocessor_routes.h"

#include <ATen/ATen.h>

namespace tessera::nodes {

InputDecl annotatorResolutionInput() { return intInput("resolution", 512, 64, 16384, 64); }

namespace {

std::string aioPreprocessorNames(const PreprocessorRoutes& routes) {
    std::string names = "none";
    for (const auto& r : routes) names += ", " + r.type;
    return names;
}

NodeDecl aioDecl(PreprocessorRoutes routes) {
    NodeDecl d = makeDecl("AIO_Preprocessor", "AIO Aux Preprocessor", "ControlNet Preprocessors",
                          "Runs the preprocessor named by `preprocessor` with its default settings at `resolution` "
                          "(\"none\" passes the image through). Available: " + aioPreprocessorNames(routes) + ".");
    std::vector<std::string> choices = {"none"};
    for (const auto& r : routes) choices.push_back(r.type);
    d.inputs = {port("image", "IMAGE"), comboInput("preprocessor", choices, "none"), annotatorResolutionInput()};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [routes = std::move(routes)](NodeContext& ctx) {
        const at::Tensor images = imageInput(ctx, "image");
        const std::string& name = ctx.getString("preprocessor");
        if (name == "none") return std::vector<Value>{imageValue(images)};
        for (const auto& r : routes)
            if (r.type == name) return std::vector<Value>{imageValue(r.runWithDefaults(ctx, images, ctx.getInt("resolution")))};
        ctx.fail("unknown preprocessor '" + name + "'; available: " + aioPreprocessorNames(routes));
    };
    return d;
}

}  // namespace

void addAioPreprocessor(Registry& registry, PreprocessorRoutes routes) { registry.add(aioDecl(std::move(routes))); }

}  // namespace tessera::nodes
