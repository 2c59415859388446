#include "nodes/painted_sketch.h"

#include "nodes/image_node_support.h"

#include <ATen/ATen.h>

#include <array>
#include <cctype>
#include <optional>

namespace tessera::nodes {

namespace {

// "#rrggbb" or "#rgb" (the '#' optional) -> 0..1 per channel.
std::optional<std::array<float, 3>> parseSketchColor(std::string text) {
    if (!text.empty() && text[0] == '#') text.erase(0, 1);
    if (text.size() == 3) text = {text[0], text[0], text[1], text[1], text[2], text[2]};
    if (text.size() != 6) return std::nullopt;
    for (char c : text)
        if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
    std::array<float, 3> rgb{};
    for (size_t i = 0; i < 3; ++i) rgb[i] = float(std::stoi(text.substr(2 * i, 2), nullptr, 16)) / 255.0f;
    return rgb;
}

}  // namespace

NodeDecl paintedSketchDecl() {
    NodeDecl d = makeDecl("PaintedSketch", "Painted Sketch", "image",
                          "A sketch drawn in the sketch editor (Tessera): its strokes, saved as a greyscale PNG in the "
                          "input folder (white = stroke), drawn in `line_color` on a black or white background or on "
                          "the connected image; a colour sketch (RGBA PNG) keeps each stroke's own colour. White on "
                          "black is what scribble and lineart ControlNets expect.");
    d.inputs = {inputImageInput("sketch_file"), stringInput("line_color", "#ffffff"),
                comboInput("background", {"black", "white", "image"}, "black"), port("image", "IMAGE", true)};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        const std::string& colorText = ctx.getString("line_color");
        const auto color = parseSketchColor(colorText);
        if (!color) ctx.fail("line_color '" + colorText + "' is not a colour; write it like #ffffff or #f00");
        const DecodedImage file = loadInputImage(ctx, "sketch_file");
        // A colour sketch (RGBA: each stroke's colour, alpha = coverage) carries its own ink; a
        // black/white one (greyscale coverage) is drawn in line_color.
        const bool colourLayer = file.alpha.defined();
        const at::Tensor coverage = colourLayer ? file.alpha.unsqueeze(0).unsqueeze(3)
                                                : file.rgb[0].select(2, 0).unsqueeze(0).unsqueeze(3);  // [1,H,W,1]
        const int64_t height = coverage.size(1), width = coverage.size(2);
        const std::string& background = ctx.getString("background");
        at::Tensor base;
        if (ctx.has("image")) {
            base = imageInput(ctx, "image");
            if (base.size(1) != height || base.size(2) != width)
                ctx.fail("the sketch '" + ctx.getString("sketch_file") + "' is " + std::to_string(width) + "x" +
                         std::to_string(height) + " but the image is " + std::to_string(base.size(2)) + "x" +
                         std::to_string(base.size(1)) + "; draw the sketch again on this image");
        }
        if (background == "image") {
            if (!base.defined()) ctx.fail("background 'image' needs an image connected to `image`");
        } else {
            base = at::full({1, height, width, 3}, background == "white" ? 1.0f : 0.0f, at::kFloat);
        }
        const at::Tensor ink = colourLayer ? file.rgb
                                           : at::tensor({(*color)[0], (*color)[1], (*color)[2]}, at::kFloat).view({1, 1, 1, 3});
        return std::vector<Value>{imageValue(base * (1 - coverage) + ink * coverage)};
    };
    return d;
}

}  // namespace tessera::nodes
