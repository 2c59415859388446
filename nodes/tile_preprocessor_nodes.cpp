// Pictures that keep colour and layout but drop detail, as comfyui_controlnet_aux makes them:
// TilePreprocessor (blur by down- then pyramid up-sampling), ColorPreprocessor (a 64-pixel colour
// grid) and ShufflePreprocessor (content shuffled by a smooth random warp, seeded).
#include "nodes/annotator_frame.h"
#include "nodes/decl_helpers.h"
#include "nodes/image_node_support.h"
#include "nodes/preprocessor_routes.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <opencv2/imgproc.hpp>

namespace tessera::nodes {
namespace {

// Sides rounded (half to even) to multiples of 64, shrunk 2^iters times by area averaging, then
// pyramid-upsampled back. The pack's tile ignores the resolution input.
at::Tensor tileBlur(const at::Tensor& hwc, int64_t pyrUpIters) {
    const cv::Mat rgb8 = toUint8(hwc);
    const int h = int(roundHalfEven(rgb8.rows / 64.0)) * 64, w = int(roundHalfEven(rgb8.cols / 64.0)) * 64;
    const int shrink = 1 << pyrUpIters;
    if (h / shrink < 1 || w / shrink < 1)
        throw Error("the image (" + std::to_string(rgb8.cols) + "x" + std::to_string(rgb8.rows) +
                    ") is too small for pyrUp_iters " + std::to_string(pyrUpIters));
    cv::Mat small;
    cv::resize(rgb8, small, cv::Size(w / shrink, h / shrink), 0, 0, cv::INTER_AREA);
    for (int64_t i = 0; i < pyrUpIters; ++i) cv::pyrUp(small, small);
    return annotatorResult(small);
}

// Shorter side to the resolution (area averaging, sides rounded half to even), then one colour per
// 64x64 cell: a bicubic shrink to sides/64 drawn back with nearest neighbours.
at::Tensor colorGrid(const at::Tensor& hwc, int64_t resolution) {
    const cv::Mat rgb8 = toUint8(hwc);
    int h = int(resolution), w = int(resolution);
    if (rgb8.rows < rgb8.cols)
        w = int(roundHalfEven(double(rgb8.cols) / rgb8.rows * double(resolution)));
    else
        h = int(roundHalfEven(double(rgb8.rows) / rgb8.cols * double(resolution)));
    cv::Mat sized, cells, grid;
    cv::resize(rgb8, sized, cv::Size(w, h), 0, 0, cv::INTER_AREA);
    cv::resize(sized, cells, cv::Size(w / 64, h / 64), 0, 0, cv::INTER_CUBIC);
    cv::resize(cells, grid, cv::Size(w, h), 0, 0, cv::INTER_NEAREST);
    return annotatorResult(grid);
}

// A smooth random field on 0..1: uniform noise on a coarse grid (one value per `cell` pixels, plus
// a margin), enlarged bicubically, cropped and stretched to 0..1.
cv::Mat shuffleNoiseField(int h, int w, int cell, at::Generator& gen) {
    const at::Tensor coarse = at::rand({h / cell + 2, w / cell + 2}, gen, at::kDouble).contiguous();
    const cv::Mat grid(int(coarse.size(0)), int(coarse.size(1)), CV_64F, coarse.data_ptr<double>());
    cv::Mat big;
    cv::resize(grid, big, cv::Size(w + 2 * cell, h + 2 * cell), 0, 0, cv::INTER_CUBIC);
    cv::Mat field = big(cv::Rect(cell, cell, w, h)).clone();
    double lo = 0, hi = 0;
    cv::minMaxLoc(field, &lo, &hi);
    field = (field - lo) / std::max(hi - lo, 1e-12);
    return field;
}

// Every pixel is fetched from a random, smoothly varying place of the image (bilinear, black
// outside). The pack draws its noise with numpy's generator; Tessera's (torch's, seeded with
// `seed`) gives other shuffles of the same kind, the same for the same seed.
at::Tensor contentShuffle(const at::Tensor& hwc, int64_t resolution, uint64_t seed) {
    const AnnotatorFrame f = annotatorFrame(toUint8(hwc), resolution, cv::INTER_CUBIC);
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    const int h = f.padded.rows, w = f.padded.cols;
    cv::Mat mapX, mapY;
    shuffleNoiseField(h, w, 256, gen).convertTo(mapX, CV_32F, double(w - 1));
    shuffleNoiseField(h, w, 256, gen).convertTo(mapY, CV_32F, double(h - 1));
    cv::Mat shuffled;
    cv::remap(f.padded, shuffled, mapX, mapY, cv::INTER_LINEAR);
    return annotatorResult(f.unpad(shuffled));
}

at::Tensor runTile(const NodeContext& ctx, const at::Tensor& images, int64_t iters) {
    try {
        return annotateBatch(ctx, images, [&](const at::Tensor& img) { return tileBlur(img, iters); });
    } catch (const Error& e) {
        ctx.fail(e.what());
    }
}

NodeDecl tileDecl() {
    NodeDecl d = makeDecl("TilePreprocessor", "Tile", "ControlNet Preprocessors/tile",
                          "A blurred copy for a tile ControlNet: sides rounded to multiples of 64, shrunk by 2^"
                          "pyrUp_iters and enlarged back by Gaussian pyramid steps. resolution is accepted but, as in "
                          "comfyui_controlnet_aux, unused.");
    d.inputs = {port("image", "IMAGE"), intInput("pyrUp_iters", 3, 1, 10), annotatorResolutionInput()};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        return std::vector<Value>{imageValue(runTile(ctx, imageInput(ctx, "image"), ctx.getInt("pyrUp_iters")))};
    };
    return d;
}

NodeDecl colorDecl() {
    NodeDecl d = makeDecl("ColorPreprocessor", "Color Pallete", "ControlNet Preprocessors/T2IAdapter-only",
                          "A grid of flat colours, one per 64x64 cell, at the resolution (shorter side): the colour "
                          "layout for a T2I colour adapter.");
    d.inputs = {port("image", "IMAGE"), annotatorResolutionInput()};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        const int64_t res = annotatorDetectResolution(ctx.getInt("resolution"));
        return std::vector<Value>{imageValue(annotateBatch(
            ctx, imageInput(ctx, "image"), [&](const at::Tensor& img) { return colorGrid(img, res); }))};
    };
    return d;
}

NodeDecl shuffleDecl() {
    NodeDecl d = makeDecl("ShufflePreprocessor", "Content Shuffle", "ControlNet Preprocessors/T2IAdapter-only",
                          "The image's content moved around by a smooth random warp (the same for the same seed), "
                          "for shuffle ControlNets and T2I adapters.");
    d.inputs = {port("image", "IMAGE"), annotatorResolutionInput(), seedInput("seed")};
    d.outputs = {output("IMAGE", "IMAGE")};
    d.run = [](NodeContext& ctx) {
        const int64_t res = annotatorDetectResolution(ctx.getInt("resolution"));
        const uint64_t seed = uint64_t(ctx.getInt("seed"));
        return std::vector<Value>{imageValue(annotateBatch(
            ctx, imageInput(ctx, "image"), [&](const at::Tensor& img) { return contentShuffle(img, res, seed); }))};
    };
    return d;
}

}  // namespace

void addTilePreprocessors(Registry& registry, PreprocessorRoutes& routes) {
    registry.add(tileDecl());
    registry.add(colorDecl());
    registry.add(shuffleDecl());
    routes.push_back({"TilePreprocessor", [](const NodeContext& ctx, const at::Tensor& images, int64_t) {
                          return runTile(ctx, images, 3);
                      }});
    routes.push_back({"ColorPreprocessor", [](const NodeContext& ctx, const at::Tensor& images, int64_t resolution) {
                          const int64_t res = annotatorDetectResolution(resolution);
                          return annotateBatch(ctx, images, [&](const at::Tensor& img) { return colorGrid(img, res); });
                      }});
    routes.push_back({"ShufflePreprocessor", [](const NodeContext& ctx, const at::Tensor& images, int64_t resolution) {
                          const int64_t res = annotatorDetectResolution(resolution);
                          return annotateBatch(ctx, images,
                                               [&](const at::Tensor& img) { return contentShuffle(img, res, 0); });
                      }});
}

}  // namespace tessera::nodes
