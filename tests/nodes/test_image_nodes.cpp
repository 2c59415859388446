#include "core/io/atomic_file.h"
#include "core/io/png_metadata.h"
#include "tests/nodes/node_test_fixture.h"
#include "tests/support/tensor_compare.h"

#include <opencv2/imgcodecs.hpp>

#include <fstream>

using namespace tessera;
using tessera::test::nearTensor;
using tessera::test::sameTensor;

namespace {

namespace fs = std::filesystem;

class ImageNodesTest : public test::NodeGraphTest {
protected:
    void useRefdataInputs() { env.inputDir = test::refdataPath("cases"); }
    NodeId loadImage(const std::string& name) { return add("LoadImage", {{"image", name}}); }
    void writeBytes(const std::string& path, const std::string& bytes) {
        std::ofstream(path, std::ios::binary) << bytes;
    }
    // [1,H,W,3] with a distinct value per pixel and channel.
    static at::Tensor ramp(int64_t h, int64_t w) {
        return at::arange(h * w * 3, at::kFloat).div(float(h * w * 3)).view({1, h, w, 3});
    }
    std::vector<std::string> outputFiles(const std::string& dir) {
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    }
};

TEST_F(ImageNodesTest, LoadImageReadsTheReferenceInputsExactly) {
    useRefdataInputs();
    const auto ref = test::loadCase("pipelines.safetensors");
    const NodeId source = loadImage("source.png"), hint = loadImage("hint.png");
    EXPECT_TRUE(sameTensor(imageOf(source), ref.at("source_image")));
    EXPECT_TRUE(sameTensor(imageOf(hint), ref.at("hint")));
    // No alpha channel: ComfyUI's 64x64 zero mask.
    EXPECT_TRUE(sameTensor(maskOf(source, 1), at::zeros({1, 64, 64})));
}

TEST_F(ImageNodesTest, LoadImageOfAGreyPngRepeatsTheGreyInEveryChannel) {
    useRefdataInputs();
    const auto ref = test::loadCase("pipelines.safetensors");
    const at::Tensor img = imageOf(loadImage("mask.png"));
    EXPECT_TRUE(sameTensor(img, ref.at("mask").unsqueeze(3).expand({-1, -1, -1, 3})));
}

TEST_F(ImageNodesTest, RgbaPngGivesOneMinusAlphaAsMask) {
    cv::Mat bgra(3, 4, CV_8UC4);
    for (int y = 0; y < 3; ++y)
        for (int x = 0; x < 4; ++x) bgra.at<cv::Vec4b>(y, x) = cv::Vec4b(uchar(10 * x), uchar(20 * y), 200, uchar(60 * x + y));
    ASSERT_TRUE(cv::imwrite(env.inputDir + "/rgba.png", bgra));
    const NodeId n = loadImage("rgba.png");
    const at::Tensor img = imageOf(n), m = maskOf(n, 1);
    ASSERT_EQ(img.sizes(), (std::vector<int64_t>{1, 3, 4, 3}));
    ASSERT_EQ(m.sizes(), (std::vector<int64_t>{1, 3, 4}));
    for (int y = 0; y < 3; ++y)
        for (int x = 0; x < 4; ++x) {
            EXPECT_EQ(img[0][y][x][0].item<float>(), 200.0f / 255.0f);  // red was stored third (BGR)
            EXPECT_EQ(img[0][y][x][1].item<float>(), float(20 * y) / 255.0f);
            EXPECT_EQ(img[0][y][x][2].item<float>(), float(10 * x) / 255.0f);
            EXPECT_FLOAT_EQ(m[0][y][x].item<float>(), 1.0f - float(60 * x + y) / 255.0f);
        }
}

TEST_F(ImageNodesTest, SixteenBitPngKeepsItsPrecision) {
    cv::Mat bgr(2, 2, CV_16UC3);
    const uint16_t values[4] = {0, 1, 32769, 65535};
    for (int i = 0; i < 4; ++i) bgr.at<cv::Vec<uint16_t, 3>>(i / 2, i % 2) = {values[i], values[i], uint16_t(65535 - values[i])};
    ASSERT_TRUE(cv::imwrite(env.inputDir + "/deep.png", bgr));
    const at::Tensor img = imageOf(loadImage("deep.png"));
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(img[0][i / 2][i % 2][0].item<float>(), float(65535 - values[i]) / 65535.0f);
        EXPECT_EQ(img[0][i / 2][i % 2][2].item<float>(), float(values[i]) / 65535.0f);
    }
}

TEST_F(ImageNodesTest, BmpTiffAndLosslessWebpLoadExactly) {
    cv::Mat bgr(3, 5, CV_8UC3);
    cv::randu(bgr, 0, 256);
    const at::Tensor want =
        at::from_blob(bgr.data, {1, 3, 5, 3}, at::kByte).flip(3).to(at::kFloat) / 255.0f;  // BGR -> RGB
    ASSERT_TRUE(cv::imwrite(env.inputDir + "/a.bmp", bgr));
    ASSERT_TRUE(cv::imwrite(env.inputDir + "/a.tiff", bgr));
    ASSERT_TRUE(cv::imwrite(env.inputDir + "/a.webp", bgr, {cv::IMWRITE_WEBP_QUALITY, 101}));  // > 100: lossless
    for (const char* name : {"a.bmp", "a.tiff", "a.webp"}) EXPECT_TRUE(sameTensor(imageOf(loadImage(name)), want)) << name;
}

// An APP1 segment holding an EXIF block with one tag: Orientation (0x0112) = `value`.
std::string exifOrientationSegment(uint16_t value) {
    const unsigned char tiff[] = {'I', 'I', 42, 0, 8, 0, 0, 0,                    // little-endian TIFF, IFD at 8
                                  1, 0,                                          // one entry
                                  0x12, 0x01, 3, 0, 1, 0, 0, 0, uchar(value), uchar(value >> 8), 0, 0,
                                  0, 0, 0, 0};                                   // no next IFD
    std::string body = std::string("Exif\0\0", 6) + std::string(reinterpret_cast<const char*>(tiff), sizeof tiff);
    const size_t len = body.size() + 2;
    return std::string("\xFF\xE1", 2) + char(len >> 8) + char(len & 0xFF) + body;
}

TEST_F(ImageNodesTest, JpegExifOrientationIsApplied) {
    cv::Mat bgr(16, 32, CV_8UC3, cv::Scalar(0, 0, 255));             // red...
    bgr(cv::Rect(16, 0, 16, 16)).setTo(cv::Scalar(255, 0, 0));       // ...left, blue right
    std::vector<uchar> jpeg;
    ASSERT_TRUE(cv::imencode(".jpg", bgr, jpeg, {cv::IMWRITE_JPEG_QUALITY, 95}));
    std::string bytes(jpeg.begin(), jpeg.end());
    bytes.insert(2, exifOrientationSegment(6));  // 6: the camera was turned; rotate 90 degrees clockwise
    writeBytes(env.inputDir + "/turned.jpg", bytes);
    const at::Tensor img = imageOf(loadImage("turned.jpg"));
    ASSERT_EQ(img.sizes(), (std::vector<int64_t>{1, 32, 16, 3}));
    EXPECT_GT(img[0][4][8][0].item<float>(), 0.9f);   // top: what was on the left (red)
    EXPECT_LT(img[0][4][8][2].item<float>(), 0.1f);
    EXPECT_GT(img[0][28][8][2].item<float>(), 0.9f);  // bottom: blue
    EXPECT_LT(img[0][28][8][0].item<float>(), 0.1f);
}

TEST_F(ImageNodesTest, CorruptOrTruncatedFilesFailNamingTheFile) {
    writeBytes(env.inputDir + "/garbage.png", "this is not an image at all");
    std::string failure = failureOf(loadImage("garbage.png"));
    EXPECT_NE(failure.find("LoadImage"), std::string::npos) << failure;
    EXPECT_NE(failure.find("garbage.png"), std::string::npos) << failure;

    const QByteArray png = readWholeFile(QString::fromStdString(test::refdataPath("cases/source.png")));
    writeBytes(env.inputDir + "/cut.png", png.left(png.size() / 2).toStdString());
    failure = failureOf(loadImage("cut.png"));
    EXPECT_NE(failure.find("cut.png"), std::string::npos) << failure;

    failure = failureOf(loadImage("absent.png"));
    EXPECT_NE(failure.find("absent.png"), std::string::npos) << failure;
    EXPECT_NE(failure.find("not found"), std::string::npos) << failure;
}

TEST_F(ImageNodesTest, SaveImageNumbersFilesAndNeverOverwrites) {
    const NodeId save = add("SaveImage", {{"filename_prefix", "Tessera"}});
    link(image(ramp(4, 5)), 0, save, "images");
    ASSERT_TRUE(run().succeeded());
    ASSERT_TRUE(run().succeeded());
    EXPECT_EQ(outputFiles(env.outputDir), (std::vector<std::string>{"Tessera_00001_.png", "Tessera_00002_.png"}));
    EXPECT_EQ(eventMessages(ExecEvent::Kind::OutputFile),
              (std::vector<std::string>{(fs::path(env.outputDir) / "Tessera_00002_.png").string()}));

    // Numbering continues after the highest existing number; other names are ignored.
    writeBytes(env.outputDir + "/Tessera_00041_.png", "keep me");
    writeBytes(env.outputDir + "/Tessera_final.png", "keep me too");
    writeBytes(env.outputDir + "/TesseraX_00099_.png", "and me");
    ASSERT_TRUE(run().succeeded());
    EXPECT_TRUE(fs::exists(env.outputDir + "/Tessera_00042_.png"));
    EXPECT_EQ(readWholeFile(QString::fromStdString(env.outputDir + "/Tessera_00041_.png")), QByteArray("keep me"));
}

TEST_F(ImageNodesTest, SaveImageWritesEveryImageOfABatchIntoSubFolders) {
    const NodeId save = add("SaveImage", {{"filename_prefix", "portraits/day one/pic"}});
    link(image(at::cat({ramp(2, 3), 1.0 - ramp(2, 3)})), 0, save, "images");
    ASSERT_TRUE(run().succeeded());
    EXPECT_EQ(outputFiles(env.outputDir + "/portraits/day one"),
              (std::vector<std::string>{"pic_00001_.png", "pic_00002_.png"}));
    EXPECT_EQ(eventMessages(ExecEvent::Kind::OutputFile).size(), 2u);
}

TEST_F(ImageNodesTest, SaveImageExpandsComfyUisPrefixVariables) {
    const NodeId save = add("SaveImage", {{"filename_prefix", "%width%x%height%/img_%year%"}});
    link(image(ramp(2, 3)), 0, save, "images");
    ASSERT_TRUE(run().succeeded());
    const auto files = outputFiles(env.outputDir + "/3x2");
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(files[0].rfind("img_20", 0), 0u) << files[0];
    EXPECT_EQ(files[0].size(), std::string("img_2025_00001_.png").size()) << files[0];
}

TEST_F(ImageNodesTest, SaveImageEmbedsTheGraphAndPrompt) {
    env.workflowJson = R"({"nodes":[1,2,3]})";
    env.promptJson = R"({"3":{"class_type":"SaveImage"}})";
    const NodeId save = add("SaveImage", {{"filename_prefix", "meta"}});
    link(image(ramp(3, 3)), 0, save, "images");
    ASSERT_TRUE(run().succeeded());
    const auto text = readPngText(readWholeFile(QString::fromStdString(env.outputDir + "/meta_00001_.png")));
    EXPECT_EQ(text.at("tessera"), env.workflowJson);
    EXPECT_EQ(text.at("prompt"), env.promptJson);
}

TEST_F(ImageNodesTest, SavedPixelsRoundTripWithComfyUisTruncation) {
    // Values on, just below and between 8-bit steps, and out of range.
    const at::Tensor values = at::tensor({0.0f, 1.0f, 0.5f, 127.9f / 255.0f, 128.0f / 255.0f, -0.2f, 1.3f, 0.999f,
                                          0.0021f, 0.25f, 0.75f, 0.1f},
                                         at::kFloat)
                                  .view({1, 2, 2, 3});
    const NodeId save = add("SaveImage", {{"filename_prefix", "round"}});
    link(image(values), 0, save, "images");
    ASSERT_TRUE(run().succeeded());
    env.inputDir = env.outputDir;
    const at::Tensor back = imageOf(loadImage("round_00001_.png"));
    const at::Tensor want = at::floor((values * 255.0f).clamp(0, 255)) / 255.0f;
    EXPECT_TRUE(sameTensor(back, want));
    EXPECT_EQ(back[0][0][0][2].item<float>(), 127.0f / 255.0f);  // 0.5 -> 127.5 -> 127, not 128
}

TEST_F(ImageNodesTest, SaveImageRefusesPrefixesLeavingTheOutputFolder) {
    for (const std::string prefix : {"../escape", "a/../../escape", "/tmp/abs", ""}) {
        graph = Graph();
        const NodeId save = add("SaveImage", {{"filename_prefix", prefix}});
        link(image(ramp(2, 2)), 0, save, "images");
        const std::string failure = failureOf(save);
        EXPECT_NE(failure.find("filename_prefix"), std::string::npos) << prefix << ": " << failure;
    }
    EXPECT_FALSE(fs::exists(fs::path(root) / "escape_00001_.png"));
    EXPECT_TRUE(outputFiles(env.outputDir).empty());
}

TEST_F(ImageNodesTest, PreviewImageWritesToTempAndEmitsAPreview) {
    const NodeId preview = add("PreviewImage");
    link(image(ramp(2, 3)), 0, preview, "images");
    ASSERT_TRUE(run().succeeded());
    EXPECT_EQ(outputFiles(env.tempDir).size(), 1u);
    EXPECT_TRUE(outputFiles(env.outputDir).empty());
    std::shared_ptr<const PreviewImage> shown;
    for (const auto& e : events)
        if (e.kind == ExecEvent::Kind::Preview) shown = e.preview;
    ASSERT_TRUE(shown);
    EXPECT_EQ(shown->width, 3);
    EXPECT_EQ(shown->height, 2);
    const at::Tensor want = at::floor(ramp(2, 3) * 255.0f).to(at::kByte).flatten();
    ASSERT_EQ(shown->rgb.size(), 18u);
    for (size_t i = 0; i < 18; ++i) EXPECT_EQ(shown->rgb[i], want[int64_t(i)].item<uint8_t>()) << i;
}

TEST_F(ImageNodesTest, EmptyImageSplitsItsColourIntoChannels) {
    const at::Tensor img = imageOf(add("EmptyImage", {{"width", 3}, {"height", 2}, {"batch_size", 2}, {"color", 0xFF8000}}));
    ASSERT_EQ(img.sizes(), (at::IntArrayRef{2, 2, 3, 3}));
    EXPECT_TRUE(sameTensor(img.select(3, 0), at::ones({2, 2, 3})));
    EXPECT_TRUE(sameTensor(img.select(3, 1), at::full({2, 2, 3}, 128.0f / 255.0f)));
    EXPECT_TRUE(sameTensor(img.select(3, 2), at::zeros({2, 2, 3})));
}

TEST_F(ImageNodesTest, ImageFromBatchCutsIndexAndLengthToTheBatch) {
    const at::Tensor batch = at::rand({4, 2, 2, 3});
    auto take = [&](int64_t index, int64_t length) {
        const NodeId n = add("ImageFromBatch", {{"batch_index", index}, {"length", length}});
        link(image(batch), 0, n, "image");
        return imageOf(n);
    };
    EXPECT_TRUE(sameTensor(take(1, 2), batch.slice(0, 1, 3)));
    EXPECT_TRUE(sameTensor(take(3, 5), batch.slice(0, 3, 4)));
    EXPECT_TRUE(sameTensor(take(9, 1), batch.slice(0, 3, 4)));  // past the end: the last image
}

TEST_F(ImageNodesTest, ImageScaleSizes) {
    const NodeId src = image(ramp(2, 8));  // h 2, w 8
    const NodeId keepAspect = add("ImageScale", {{"upscale_method", "bilinear"}, {"width", 0}, {"height", 4}, {"crop", "disabled"}});
    link(src, 0, keepAspect, "image");
    EXPECT_EQ(imageOf(keepAspect).sizes(), (std::vector<int64_t>{1, 4, 16, 3}));
    const NodeId unchanged = add("ImageScale", {{"upscale_method", "bicubic"}, {"width", 0}, {"height", 0}, {"crop", "disabled"}});
    link(src, 0, unchanged, "image");
    EXPECT_TRUE(sameTensor(imageOf(unchanged), ramp(2, 8)));
    // ImageScaleBy rounds like Python: 5 * 1.5 = 7.5 -> 8, 3 * 1.5 = 4.5 -> 4.
    const NodeId by = add("ImageScaleBy", {{"upscale_method", "area"}, {"scale_by", 1.5}});
    link(image(ramp(3, 5)), 0, by, "image");
    EXPECT_EQ(imageOf(by).sizes(), (std::vector<int64_t>{1, 4, 8, 3}));
}

TEST_F(ImageNodesTest, ImageScaleToTotalPixelsSizesAsComfyUI) {
    // ComfyUI: scale = sqrt(mp * 1024^2 / (w*h)); side = round(side * scale / steps) * steps, Python rounding.
    // 64x48 at 0.01 MP: scale 1.84752 -> 118.24 x 88.68 -> 118x89; in steps of 8: 120x88.
    const at::Tensor pixels = at::rand({1, 48, 64, 3});
    const NodeId src = image(pixels);
    const NodeId total = add("ImageScaleToTotalPixels", {{"upscale_method", "bicubic"}, {"megapixels", 0.01}, {"resolution_steps", 1}});
    link(src, 0, total, "image");
    const NodeId same = add("ImageScale", {{"upscale_method", "bicubic"}, {"width", 118}, {"height", 89}, {"crop", "disabled"}});
    link(src, 0, same, "image");
    EXPECT_EQ(imageOf(total).sizes(), (std::vector<int64_t>{1, 89, 118, 3}));
    EXPECT_TRUE(sameTensor(imageOf(total), imageOf(same)));
    const NodeId stepped = add("ImageScaleToTotalPixels", {{"upscale_method", "area"}, {"megapixels", 0.01}, {"resolution_steps", 8}});
    link(src, 0, stepped, "image");
    EXPECT_EQ(imageOf(stepped).sizes(), (std::vector<int64_t>{1, 88, 120, 3}));
    // A 4096x1 strip in steps of 256 would have no rows left.
    const NodeId none = add("ImageScaleToTotalPixels", {{"upscale_method", "area"}, {"megapixels", 0.01}, {"resolution_steps", 256}});
    link(image(at::rand({1, 1, 4096, 3})), 0, none, "image");
    EXPECT_NE(failureOf(none).find("leaves a side of 0 pixels"), std::string::npos);
}

TEST_F(ImageNodesTest, ImageScaleMethods) {
    // Nearest-exact doubling repeats every pixel.
    const at::Tensor small = ramp(2, 3);
    const NodeId nearest = add("ImageScale", {{"upscale_method", "nearest-exact"}, {"width", 6}, {"height", 4}, {"crop", "disabled"}});
    link(image(small), 0, nearest, "image");
    EXPECT_TRUE(sameTensor(imageOf(nearest), small.repeat_interleave(2, 1).repeat_interleave(2, 2)));
    // Area halving averages 2x2 blocks.
    const at::Tensor big = ramp(4, 4);
    const NodeId area = add("ImageScale", {{"upscale_method", "area"}, {"width", 2}, {"height", 2}, {"crop", "disabled"}});
    link(image(big), 0, area, "image");
    const at::Tensor want = (big.slice(1, 0, 4, 2).slice(2, 0, 4, 2) + big.slice(1, 1, 4, 2).slice(2, 0, 4, 2) +
                             big.slice(1, 0, 4, 2).slice(2, 1, 4, 2) + big.slice(1, 1, 4, 2).slice(2, 1, 4, 2)) / 4;
    EXPECT_TRUE(nearTensor(imageOf(area), want, 1e-6));
    // Every method keeps a flat colour flat.
    const NodeId flat = image(at::full({1, 5, 7, 3}, 0.4f));
    for (const char* method : {"bilinear", "bicubic", "lanczos"}) {
        const NodeId n = add("ImageScale", {{"upscale_method", method}, {"width", 11}, {"height", 3}, {"crop", "disabled"}});
        link(flat, 0, n, "image");
        EXPECT_TRUE(nearTensor(imageOf(n), at::full({1, 3, 11, 3}, 0.4f), 1.0 / 255)) << method;
    }
}

TEST_F(ImageNodesTest, ImageScaleCenterCropRoundsHalvesToEven) {
    // 7x2 to 2x2: ComfyUI cuts round((7 - 2) / 2) = round(2.5) = 2 columns on each side... of the
    // slice [x, w - x), i.e. columns 2, 3, 4; nearest-exact then takes columns 2 and 4.
    at::Tensor columns = at::arange(7, at::kFloat).div(10).view({1, 1, 7, 1}).expand({1, 2, 7, 3}).contiguous();
    const NodeId n = add("ImageScale", {{"upscale_method", "nearest-exact"}, {"width", 2}, {"height", 2}, {"crop", "center"}});
    link(image(columns), 0, n, "image");
    const at::Tensor got = imageOf(n);
    ASSERT_EQ(got.sizes(), (std::vector<int64_t>{1, 2, 2, 3}));
    EXPECT_FLOAT_EQ(got[0][0][0][0].item<float>(), 0.2f);
    EXPECT_FLOAT_EQ(got[0][1][1][2].item<float>(), 0.4f);
}

TEST_F(ImageNodesTest, ImageCropCutsAndChecksBounds) {
    const at::Tensor src = ramp(4, 6);
    const NodeId crop = add("ImageCrop", {{"width", 2}, {"height", 3}, {"x", 1}, {"y", 1}});
    const NodeId s = image(src);
    link(s, 0, crop, "image");
    EXPECT_TRUE(sameTensor(imageOf(crop), src.slice(1, 1, 4).slice(2, 1, 3)));
    const NodeId pastEdge = add("ImageCrop", {{"width", 512}, {"height", 512}, {"x", 4}, {"y", 0}});
    link(s, 0, pastEdge, "image");
    EXPECT_TRUE(sameTensor(imageOf(pastEdge), src.slice(2, 4, 6)));
    const NodeId outside = add("ImageCrop", {{"width", 2}, {"height", 2}, {"x", 6}, {"y", 0}});
    link(s, 0, outside, "image");
    const std::string failure = failureOf(outside);
    EXPECT_NE(failure.find("ImageCrop"), std::string::npos) << failure;
    EXPECT_NE(failure.find("outside the 6x4 image"), std::string::npos) << failure;
}

TEST_F(ImageNodesTest, ImageInvertAndEmptyBatch) {
    const NodeId inv = add("ImageInvert");
    link(image(ramp(2, 2)), 0, inv, "image");
    EXPECT_TRUE(sameTensor(imageOf(inv), 1.0 - ramp(2, 2)));
    const NodeId empty = add("ImageInvert");
    link(image(at::zeros({0, 4, 4, 3})), 0, empty, "image");
    const std::string failure = failureOf(empty);
    EXPECT_NE(failure.find("empty image batch"), std::string::npos) << failure;
}

TEST_F(ImageNodesTest, PadForOutpaintFeathersLikeComfyUI) {
    const at::Tensor src = ramp(6, 6);
    const NodeId s = image(src);
    const NodeId pad = add("ImagePadForOutpaint", {{"left", 2}, {"top", 0}, {"right", 0}, {"bottom", 0}, {"feathering", 2}});
    link(s, 0, pad, "image");
    const at::Tensor padded = imageOf(pad), m = maskOf(pad, 1);
    ASSERT_EQ(padded.sizes(), (std::vector<int64_t>{1, 6, 8, 3}));
    EXPECT_TRUE(sameTensor(padded.slice(2, 2, 8), src));
    EXPECT_TRUE(sameTensor(padded.slice(2, 0, 2), at::zeros({1, 6, 2, 3})));
    // Per row: border 1, 1; then (2-0)^2/4 = 1, (2-1)^2/4 = 0.25; then 0.
    const at::Tensor row = at::tensor({1.0f, 1.0f, 1.0f, 0.25f, 0.0f, 0.0f, 0.0f, 0.0f});
    EXPECT_TRUE(sameTensor(m, row.view({1, 1, 8}).expand({1, 6, 8})));

    // Top and bottom: rows at distance 0, 1 from a padded side.
    const NodeId tb = add("ImagePadForOutpaint", {{"left", 0}, {"top", 1}, {"right", 0}, {"bottom", 1}, {"feathering", 2}});
    link(s, 0, tb, "image");
    const at::Tensor col = at::tensor({1.0f, 1.0f, 0.25f, 0.0f, 0.0f, 0.0f, 0.25f, 1.0f});
    EXPECT_TRUE(sameTensor(maskOf(tb, 1), col.view({1, 8, 1}).expand({1, 8, 6})));

    // Feathering of half the image or more is skipped: the inside stays 0.
    const NodeId wide = add("ImagePadForOutpaint", {{"left", 8}, {"top", 0}, {"right", 0}, {"bottom", 0}, {"feathering", 3}});
    link(s, 0, wide, "image");
    const at::Tensor wm = maskOf(wide, 1);
    EXPECT_TRUE(sameTensor(wm.slice(2, 8, 14), at::zeros({1, 6, 6})));
    EXPECT_TRUE(sameTensor(wm.slice(2, 0, 8), at::ones({1, 6, 8})));
}

}  // namespace
