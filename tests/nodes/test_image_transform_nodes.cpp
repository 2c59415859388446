// ComfyUI's image transforms (comfy_extras/nodes_images.py), filters (nodes_post_processing.py) and
// ImageColorToMask, against values worked out here from ComfyUI's formulas: flips, clockwise rotations, batch
// repeats, sizes, fit-and-pad, stitching, noise, blur, sharpen and morphology.
#include "core/engine/sampling/noise.h"
#include "tests/nodes/node_test_fixture.h"

using namespace tessera;
using tessera::test::sameTensor;

namespace {

class ImageTransformNodes : public test::NodeGraphTest {
protected:
    ImageTransformNodes() {
        nodes::registerImageTransformNodes(registry);
        nodes::registerImageFilterNodes(registry);
    }

    NodeId on(const std::string& type, NodeId input, std::map<std::string, Value> widgets = {}) {
        const NodeId n = add(type, std::move(widgets));
        link(input, 0, n, "image");
        return n;
    }
    // [B,H,W,3] with a distinct value per pixel and channel.
    static at::Tensor ramp(int64_t b, int64_t h, int64_t w) {
        return at::arange(b * h * w * 3, at::kFloat).div(float(b * h * w * 3)).view({b, h, w, 3});
    }
};

TEST_F(ImageTransformNodes, FlipAndRotateMovePixelsAsComfyUI) {
    const at::Tensor img = ramp(1, 2, 3);
    const NodeId src = image(img);
    EXPECT_TRUE(sameTensor(imageOf(on("ImageFlip", src, {{"flip_method", "x-axis: vertically"}}))[0][0], img[0][1]));
    const at::Tensor mirrored = imageOf(on("ImageFlip", src, {{"flip_method", "y-axis: horizontally"}}));
    EXPECT_TRUE(sameTensor(mirrored[0][1][0], img[0][1][2]));
    // 90 degrees clockwise: the bottom-left pixel becomes the top-left, and the image turns 3 high, 2 wide.
    const at::Tensor quarter = imageOf(on("ImageRotate", src, {{"rotation", "90 degrees"}}));
    ASSERT_EQ(quarter.sizes(), (at::IntArrayRef{1, 3, 2, 3}));
    EXPECT_TRUE(sameTensor(quarter[0][0][0], img[0][1][0]));
    EXPECT_TRUE(sameTensor(quarter[0][0][1], img[0][0][0]));
    EXPECT_TRUE(sameTensor(quarter[0][2][1], img[0][0][2]));
    EXPECT_TRUE(sameTensor(imageOf(on("ImageRotate", src, {{"rotation", "180 degrees"}}))[0][0][0], img[0][1][2]));
    const at::Tensor threeQuarters = imageOf(on("ImageRotate", src, {{"rotation", "270 degrees"}}));
    EXPECT_TRUE(sameTensor(threeQuarters[0][0][0], img[0][0][2]));
    EXPECT_TRUE(sameTensor(imageOf(on("ImageRotate", src, {{"rotation", "none"}})), img));
}

TEST_F(ImageTransformNodes, RepeatImageBatchTilesTheWholeBatchAndGetImageSizeReportsIt) {
    const at::Tensor two = ramp(2, 3, 5);
    const NodeId repeated = on("RepeatImageBatch", image(two), {{"amount", 3}});
    EXPECT_TRUE(sameTensor(imageOf(repeated), at::cat({two, two, two})));
    const NodeId size = add("GetImageSize");
    link(repeated, 0, size, "image");
    const RunResult r = run({size});
    ASSERT_TRUE(r.succeeded()) << r.message;
    EXPECT_EQ(r.outputs.at(size).at(0).toInt(), 5);  // width
    EXPECT_EQ(r.outputs.at(size).at(1).toInt(), 3);  // height
    EXPECT_EQ(r.outputs.at(size).at(2).toInt(), 6);  // batch_size
}

TEST_F(ImageTransformNodes, ResizeAndPadImageFitsCentresAndTruncatesLikeComfyUI) {
    // 8x4 into 6x6: scale min(6/8, 6/4) = 0.75 -> 6x3, one row of padding above, two below.
    const at::Tensor img = ramp(1, 4, 8);
    const at::Tensor out = imageOf(on("ResizeAndPadImage", image(img),
                                      {{"target_width", 6}, {"target_height", 6}, {"padding_color", "black"},
                                       {"interpolation", "nearest-exact"}}));
    ASSERT_EQ(out.sizes(), (at::IntArrayRef{1, 6, 6, 3}));
    EXPECT_TRUE(sameTensor(out.narrow(1, 0, 1), at::zeros({1, 1, 6, 3})));
    EXPECT_TRUE(sameTensor(out.narrow(1, 4, 2), at::zeros({1, 2, 6, 3})));
    // nearest-exact: source index floor((i + 0.5) * 8/6) for columns, floor((j + 0.5) * 4/3) for rows.
    const int64_t cols[6] = {0, 2, 3, 4, 6, 7}, rows[3] = {0, 2, 3};
    for (int64_t j = 0; j < 3; ++j)
        for (int64_t i = 0; i < 6; ++i) EXPECT_TRUE(sameTensor(out[0][1 + j][i], img[0][rows[j]][cols[i]])) << j << "," << i;
    // White padding, and a same-shape target keeps the image.
    const at::Tensor white = imageOf(on("ResizeAndPadImage", image(img), {{"target_width", 8}, {"target_height", 8},
                                                                          {"padding_color", "white"}, {"interpolation", "area"}}));
    EXPECT_TRUE(sameTensor(white.narrow(1, 0, 2), at::ones({1, 2, 8, 3})));
    EXPECT_TRUE(sameTensor(white.narrow(1, 2, 4), img));
    // ComfyUI truncates orig * (target / orig) in doubles: 11 * (15 / 11) is 14.999..., so an 11x5 image fitted to
    // 15x20 becomes 14x6 (int(6.8)), at x 0 and y 7, and its last column stays padding.
    const at::Tensor odd = imageOf(on("ResizeAndPadImage", image(ramp(1, 5, 11)),
                                      {{"target_width", 15}, {"target_height", 20}, {"padding_color", "black"},
                                       {"interpolation", "bilinear"}}));
    ASSERT_EQ(odd.sizes(), (at::IntArrayRef{1, 20, 15, 3}));
    EXPECT_TRUE(sameTensor(odd.narrow(1, 7, 6).narrow(2, 14, 1), at::zeros({1, 6, 1, 3})));
    EXPECT_TRUE(sameTensor(odd.narrow(1, 13, 7), at::zeros({1, 7, 15, 3})));
    EXPECT_GT(odd.narrow(1, 7, 6).narrow(2, 1, 13).min().item<double>(), 0.0);
}

TEST_F(ImageTransformNodes, ImageStitchPlacesPadsAndSpacesLikeComfyUI) {
    const at::Tensor a = at::full({1, 4, 3, 3}, 0.25f), b = at::full({2, 2, 5, 3}, 0.75f);
    auto stitch = [&](std::map<std::string, Value> widgets, bool withSecond = true) {
        const NodeId n = add("ImageStitch", std::move(widgets));
        link(image(a), 0, n, "image1");
        if (withSecond) link(image(b), 0, n, "image2");
        return imageOf(n);
    };
    EXPECT_TRUE(sameTensor(stitch({{"direction", "right"}}, false), a));
    // Not matched: image2 (2 high) is centred in image1's 4 rows on white; image1's batch grows by its last image.
    const at::Tensor right = stitch({{"direction", "right"}, {"match_image_size", false}, {"spacing_width", 0},
                                     {"spacing_color", "white"}});
    ASSERT_EQ(right.sizes(), (at::IntArrayRef{2, 4, 8, 3}));
    EXPECT_TRUE(sameTensor(right[1].narrow(1, 0, 3), a[0]));
    EXPECT_TRUE(sameTensor(right.narrow(2, 3, 5).narrow(1, 1, 2), at::full({2, 2, 5, 3}, 0.75f)));
    EXPECT_TRUE(sameTensor(right.narrow(2, 3, 5).narrow(1, 0, 1), at::ones({2, 1, 5, 3})));
    // Up, with an odd spacing made even (3 -> 4 rows of red) and red padding taken as black.
    const at::Tensor up = stitch({{"direction", "up"}, {"match_image_size", false}, {"spacing_width", 3},
                                  {"spacing_color", "red"}});
    ASSERT_EQ(up.sizes(), (at::IntArrayRef{2, 10, 5, 3}));
    EXPECT_TRUE(sameTensor(up.narrow(1, 0, 2), at::full({2, 2, 5, 3}, 0.75f)));
    const at::Tensor red = at::tensor({1.0f, 0.0f, 0.0f}).expand({2, 4, 5, 3});
    EXPECT_TRUE(sameTensor(up.narrow(1, 2, 4), red));
    EXPECT_TRUE(sameTensor(up.narrow(1, 6, 4).narrow(2, 1, 3), a.expand({2, 4, 3, 3})));
    EXPECT_TRUE(sameTensor(up.narrow(1, 6, 4).narrow(2, 0, 1), at::zeros({2, 4, 1, 3})));
    // Matched: image2 (5 wide, 2 high) resized to image1's height 4 -> int(4 * 2.5) = 10 wide.
    const at::Tensor matched = stitch({{"direction", "left"}, {"match_image_size", true}, {"spacing_width", 0},
                                       {"spacing_color", "white"}});
    ASSERT_EQ(matched.sizes(), (at::IntArrayRef{2, 4, 13, 3}));
    EXPECT_TRUE(sameTensor(matched.narrow(2, 10, 3), a.expand({2, 4, 3, 3})));
    // lanczos goes through 8 bits with truncation: 0.75 * 255 = 191.25 -> 191.
    EXPECT_NEAR(matched[0][0][0][0].item<double>(), 191.0 / 255.0, 1e-6);
}

TEST_F(ImageTransformNodes, ImageAddNoiseAddsTheSeedsTorchNoiseAndClips) {
    const at::Tensor img = at::full({1, 4, 4, 3}, 0.5f);
    const at::Tensor out = imageOf(on("ImageAddNoise", image(img), {{"seed", 11}, {"strength", 0.2}}));
    const at::Tensor want = at::clamp(img + 0.2f * engine::prepareNoise(11, {1, 4, 4, 3}), 0.0, 1.0);
    EXPECT_TRUE(sameTensor(out, want));
    const at::Tensor strong = imageOf(on("ImageAddNoise", image(img), {{"seed", 11}, {"strength", 1.0}}));
    EXPECT_EQ(strong.max().item<double>(), 1.0);
    EXPECT_EQ(strong.min().item<double>(), 0.0);
}

TEST_F(ImageTransformNodes, ImageColorToMaskMatchesThePackedColourExactly) {
    // Pixels: pure red, red off by one level, (1, 128/255, 0.5) whose blue rounds half to even (127.5 -> 128).
    at::Tensor img = at::zeros({1, 1, 3, 3});
    img[0][0][0][0] = 1.0f;
    img[0][0][1][0] = 254.0f / 255.0f;
    img[0][0][2][0] = 1.0f;
    img[0][0][2][1] = 128.0f / 255.0f;
    img[0][0][2][2] = 0.5f;
    const NodeId src = image(img);
    auto maskFor = [&](int64_t color) {
        const NodeId n = add("ImageColorToMask", {{"color", color}});
        link(src, 0, n, "image");
        return maskOf(n);
    };
    EXPECT_TRUE(sameTensor(maskFor(0xFF0000), at::tensor({1.0f, 0.0f, 0.0f}).view({1, 1, 3})));
    EXPECT_TRUE(sameTensor(maskFor(0xFE0000), at::tensor({0.0f, 1.0f, 0.0f}).view({1, 1, 3})));
    EXPECT_TRUE(sameTensor(maskFor(0xFF8080), at::tensor({0.0f, 0.0f, 1.0f}).view({1, 1, 3})));
}

// ComfyUI's kernel for a radius: exp(-d^2 / (2 sigma^2)) with d on a grid spanning -1..1, normalised; float64.
std::vector<std::vector<double>> unitGridKernel(int radius, double sigma) {
    const int size = 2 * radius + 1;
    std::vector<std::vector<double>> k(size, std::vector<double>(size));
    double sum = 0;
    for (int i = 0; i < size; ++i)
        for (int j = 0; j < size; ++j) {
            const double x = -1.0 + 2.0 * i / (size - 1), y = -1.0 + 2.0 * j / (size - 1);
            sum += k[i][j] = std::exp(-(x * x + y * y) / (2 * sigma * sigma));
        }
    for (auto& row : k)
        for (double& v : row) v /= sum;
    return k;
}

// The NHWC image convolved with `k` per channel, reflected at the edges (no edge pixel repeated); float64 loops.
at::Tensor convolveReflected(const at::Tensor& image, const std::vector<std::vector<double>>& k) {
    const int64_t r = int64_t(k.size() / 2), h = image.size(1), w = image.size(2);
    auto reflect = [](int64_t i, int64_t n) { return i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i; };
    const at::Tensor in = image.to(at::kDouble);
    at::Tensor out = at::zeros_like(in);
    for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x)
            for (int64_t c = 0; c < image.size(3); ++c) {
                double acc = 0;
                for (int64_t i = -r; i <= r; ++i)
                    for (int64_t j = -r; j <= r; ++j)
                        acc += k[size_t(i + r)][size_t(j + r)] * in[0][reflect(y + i, h)][reflect(x + j, w)][c].item<double>();
                out[0][y][x][c] = acc;
            }
    return out;
}

TEST_F(ImageTransformNodes, BlurAndSharpenUseComfyUIsKernelOverReflectedEdges) {
    const at::Tensor img = at::rand({1, 6, 7, 3});
    const NodeId src = image(img);
    const at::Tensor blurred = imageOf(on("ImageBlur", src, {{"blur_radius", 2}, {"sigma", 0.7}}));
    EXPECT_LT((blurred.to(at::kDouble) - convolveReflected(img, unitGridKernel(2, 0.7))).abs().max().item<double>(), 1e-6);
    // Sharpen: the kernel times -(alpha * 10), its centre raised so it sums to 1; the result clipped.
    auto sharpenKernel = unitGridKernel(1, 1.5);
    double sum = 0;
    for (auto& row : sharpenKernel)
        for (double& v : row) sum += v *= -(0.3 * 10);
    sharpenKernel[1][1] += 1.0 - sum;
    const at::Tensor sharpened = imageOf(on("ImageSharpen", src, {{"sharpen_radius", 1}, {"sigma", 1.5}, {"alpha", 0.3}}));
    EXPECT_LT((sharpened.to(at::kDouble) - convolveReflected(img, sharpenKernel).clamp(0.0, 1.0)).abs().max().item<double>(), 1e-5);
    EXPECT_GT((sharpened - img).abs().max().item<double>(), 0.05);
    // A radius reaching past the image's edge is refused by name rather than reflected twice.
    const std::string message = failureOf(on("ImageBlur", image(at::rand({1, 3, 9, 3})), {{"blur_radius", 3}, {"sigma", 1.0}}));
    EXPECT_NE(message.find("radius 3"), std::string::npos) << message;
}

// The max (or min) over a size x size window reaching size / 2 back and the rest forward, inside the image.
at::Tensor windowExtreme(const at::Tensor& image, int64_t size, bool maximum) {
    const int64_t h = image.size(1), w = image.size(2), back = size / 2;
    at::Tensor out = at::empty_like(image);
    for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x) {
            const at::Tensor window = image[0]
                                          .slice(0, std::max<int64_t>(0, y - back), std::min(h, y - back + size))
                                          .slice(1, std::max<int64_t>(0, x - back), std::min(w, x - back + size))
                                          .reshape({-1, image.size(3)});
            out[0][y][x] = maximum ? std::get<0>(window.max(0)) : std::get<0>(window.min(0));
        }
    return out;
}

TEST_F(ImageTransformNodes, MorphologyIsKorniasWithASquareOfOnes) {
    const at::Tensor img = at::rand({1, 7, 6, 3});
    const NodeId src = image(img);
    auto op = [&](const std::string& operation, int64_t size) {
        return imageOf(on("Morphology", src, {{"operation", operation}, {"kernel_size", size}}));
    };
    for (const int64_t size : {3, 4}) {
        const at::Tensor dilated = windowExtreme(img, size, true), eroded = windowExtreme(img, size, false);
        EXPECT_TRUE(sameTensor(op("dilate", size), dilated)) << size;
        EXPECT_TRUE(sameTensor(op("erode", size), eroded)) << size;
        const at::Tensor opened = windowExtreme(eroded, size, true), closed = windowExtreme(dilated, size, false);
        EXPECT_TRUE(sameTensor(op("open", size), opened)) << size;
        EXPECT_TRUE(sameTensor(op("close", size), closed)) << size;
        EXPECT_TRUE(sameTensor(op("gradient", size), dilated - eroded)) << size;
        EXPECT_TRUE(sameTensor(op("top_hat", size), img - opened)) << size;
        EXPECT_TRUE(sameTensor(op("bottom_hat", size), closed - img)) << size;
    }
}

}  // namespace
