// InpaintCrop / InpaintStitch ("inpaint only the masked area") and PaintedMask: the crop
// rectangle and size, exact paste-back (unmasked pixels bit-identical), and errors naming the node.
#include "core/mask/mask_png.h"
#include "core/mask/stroke_rasterizer.h"
#include "nodes/crop_info.h"
#include "nodes/image_convert.h"
#include "nodes/inpaint_crop.h"
#include "tests/nodes/node_test_fixture.h"

#include <fstream>

using namespace tessera;
using namespace tessera::test;

namespace {

class InpaintCropNodes : public NodeGraphTest {
protected:
    InpaintCropNodes() {
        nodes::registerInpaintCropNodes(registry);
        at::manual_seed(5);
    }

    // A 300x200 image and a mask with a 50x30 box at (100, 50).
    void SetUp() override {
        source = at::rand({1, 200, 300, 3});
        boxMask = at::zeros({1, 200, 300});
        boxMask.narrow(1, 50, 30).narrow(2, 100, 50).fill_(1.0);
    }

    NodeId crop(NodeId img, NodeId m, int64_t padding, int64_t target) {
        const NodeId c = add("InpaintCrop", {{"padding", padding}, {"target_size", target}});
        link(img, 0, c, "image");
        link(m, 0, c, "mask");
        return c;
    }

    std::shared_ptr<const nodes::CropInfoValue> cropInfo(NodeId c) {
        const RunResult r = run({c});
        EXPECT_TRUE(r.succeeded()) << r.message;
        return r.outputs.at(c).at(2).as<nodes::CropInfoValue>();
    }

    // Source + crop node + an "inpainted" random crop of the crop's size, stitched with `feather`.
    NodeId stitchRandom(NodeId src, NodeId m, int64_t feather, const at::Tensor& inpainted) {
        const NodeId c = crop(src, m, 16, 128);
        const NodeId s = add("InpaintStitch", {{"feather", feather}});
        link(src, 0, s, "source");
        link(image(inpainted), 0, s, "inpainted");
        link(c, 2, s, "crop_info");
        link(m, 0, s, "mask");
        return s;
    }

    at::Tensor source, boxMask;
};

at::Tensor bits(const at::Tensor& t) { return t.contiguous().view(at::kInt); }

}  // namespace

TEST_F(InpaintCropNodes, CropsTheMaskBoundsWithPaddingAndScalesToMultiplesOf8) {
    const NodeId c = crop(image(source), mask(boxMask), 10, 512);
    const auto info = cropInfo(c);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->rect, (nodes::CropRect{90, 40, 70, 50}));
    EXPECT_EQ(info->sourceWidth, 300);
    EXPECT_EQ(info->sourceHeight, 200);
    EXPECT_EQ(info->resizedWidth, 512);
    EXPECT_EQ(info->resizedHeight, 368);  // 50 * 512 / 70 = 365.7 -> 46 * 8
    EXPECT_EQ(imageOf(c).sizes(), (at::IntArrayRef{1, 368, 512, 3}));
    const at::Tensor m = maskOf(c, 1);
    EXPECT_EQ(m.sizes(), (at::IntArrayRef{1, 368, 512}));
    EXPECT_EQ(m[0][184][256].item<float>(), 1.0f);  // the box's centre
    EXPECT_EQ(m[0][5][5].item<float>(), 0.0f);      // the padding

    // Padding is cut at the image edges; a tall crop scales its height to the target.
    at::Tensor corner = at::zeros({1, 200, 300});
    corner.narrow(1, 0, 100).narrow(2, 290, 10).fill_(0.5);
    const auto edge = cropInfo(crop(image(source), mask(corner), 20, 256));
    EXPECT_EQ(edge->rect, (nodes::CropRect{270, 0, 30, 120}));
    EXPECT_EQ(edge->resizedHeight, 256);
    EXPECT_EQ(edge->resizedWidth, 64);  // 30 * 256 / 120 = 64

    const NodeId same = crop(image(source), mask(boxMask), 0, 64);  // 50x30 -> 64 x 38.4, rounded to 40
    EXPECT_EQ(imageOf(same).sizes(), (at::IntArrayRef{1, 40, 64, 3}));
}

TEST_F(InpaintCropNodes, StitchLeavesEveryPixelOutsideTheFeatheredMaskBitIdentical) {
    const NodeId src = image(source), m = mask(boxMask);
    const at::Tensor inpainted = at::rand({1, 96, 128, 3});  // the crop's size for padding 16, target 128
    ASSERT_EQ(cropInfo(crop(src, m, 16, 128))->resizedHeight, 96);  // 82x62 -> 128 x 96.8, rounded to 96
    const NodeId s = stitchRandom(src, m, 8, inpainted);
    const at::Tensor out = imageOf(s);
    ASSERT_EQ(out.sizes(), source.sizes());

    const at::Tensor weights = nodes::featherInpaintMask(boxMask, 8);
    const at::Tensor untouched = weights.eq(0).unsqueeze(3).expand_as(out);
    EXPECT_GT(untouched.sum().item<int64_t>(), int64_t(0.9 * double(out.numel())));
    EXPECT_TRUE(bits(out).masked_select(untouched).equal(bits(source).masked_select(untouched)));
    // Everything more than `feather` pixels from the box, not only outside the crop, is untouched.
    at::Tensor far = at::ones({1, 200, 300}, at::kBool);
    far.narrow(1, 50 - 8, 30 + 16).narrow(2, 100 - 8, 50 + 16).fill_(false);
    EXPECT_TRUE(weights.masked_select(far).eq(0).all().item<bool>());
    // Inside the mask the result is the inpainted crop, not the source.
    const at::Tensor inside = boxMask.gt(0).unsqueeze(3).expand_as(out);
    EXPECT_TRUE(out.masked_select(inside).ne(source.masked_select(inside)).all().item<bool>());
    // The feathered ring blends: strictly between the two.
    EXPECT_GT(weights[0][45][120].item<float>(), 0.0f);
    EXPECT_LT(weights[0][45][120].item<float>(), 1.0f);

    // 8-bit: with SaveImage's quantisation the untouched pixels give the source's bytes exactly.
    const at::Tensor source8 = at::randint(0, 256, {1, 200, 300, 3}).to(at::kFloat) / 255.0;
    const NodeId s8 = stitchRandom(image(source8), m, 8, inpainted);
    const cv::Mat got = nodes::toUint8(imageOf(s8)[0]), want = nodes::toUint8(source8[0]);
    int compared = 0;
    for (int y = 0; y < 200; ++y)
        for (int x = 0; x < 300; ++x) {
            if (weights[0][y][x].item<float>() != 0.0f) continue;
            ASSERT_EQ(got.at<cv::Vec3b>(y, x), want.at<cv::Vec3b>(y, x)) << "pixel " << x << "," << y;
            ++compared;
        }
    EXPECT_GT(compared, 50000);
    // And those bytes are the 8-bit values the source was made of.
    EXPECT_TRUE(at::from_blob(want.data, {200, 300, 3}, at::kByte).to(at::kFloat).div(255.0).equal(source8[0]));
}

TEST_F(InpaintCropNodes, FeatherZeroPastesTheMaskedPixelsOnly) {
    const NodeId src = image(source), m = mask(boxMask);
    const at::Tensor inpainted = at::rand({1, 96, 128, 3});
    const at::Tensor out = imageOf(stitchRandom(src, m, 0, inpainted));
    const at::Tensor outside = boxMask.eq(0).unsqueeze(3).expand_as(out);
    EXPECT_TRUE(bits(out).masked_select(outside).equal(bits(source).masked_select(outside)));
}

TEST_F(InpaintCropNodes, ErrorsNameTheNodeAndSayWhatToDo) {
    const NodeId empty = crop(image(source), mask(at::zeros({1, 200, 300})), 32, 512);
    const std::string emptyMessage = failureOf(empty);
    EXPECT_NE(emptyMessage.find("InpaintCrop"), std::string::npos) << emptyMessage;
    EXPECT_NE(emptyMessage.find("the mask is empty: paint the area to inpaint"), std::string::npos) << emptyMessage;

    const std::string size = failureOf(crop(image(source), mask(at::ones({1, 100, 300})), 32, 512));
    EXPECT_NE(size.find("the mask is 300x100 but the image is 300x200"), std::string::npos) << size;

    const NodeId c = crop(image(source), mask(boxMask), 16, 128);
    const NodeId s = add("InpaintStitch");
    link(image(at::rand({1, 100, 100, 3})), 0, s, "source");
    link(c, 0, s, "inpainted");
    link(c, 2, s, "crop_info");
    link(mask(boxMask), 0, s, "mask");
    const std::string stitch = failureOf(s);
    EXPECT_NE(stitch.find("InpaintStitch"), std::string::npos) << stitch;
    EXPECT_NE(stitch.find("the source image is 100x100 but the crop was cut from a 300x200 image"), std::string::npos)
        << stitch;
}

TEST_F(InpaintCropNodes, PaintedMaskReadsTheEditorsPngAndChecksTheImageSize) {
    mask::MaskImage painted(300, 200);
    mask::BrushSettings brush;
    brush.radius = 20;
    brush.hardness = 0.5f;
    mask::paintLine(painted, brush, {50.5f, 60.5f}, {250.5f, 120.5f});
    const std::vector<uint8_t> png = mask::encodeMaskPng(painted);
    std::ofstream(env.inputDir + "/painted.png", std::ios::binary).write(reinterpret_cast<const char*>(png.data()),
                                                                         std::streamsize(png.size()));
    const NodeId n = add("PaintedMask", {{"mask_file", "painted.png"}});
    const at::Tensor m = maskOf(n);
    ASSERT_EQ(m.sizes(), (at::IntArrayRef{1, 200, 300}));
    const at::Tensor want = at::from_blob(const_cast<uint8_t*>(painted.bytes().data()), {1, 200, 300}, at::kByte)
                                .to(at::kFloat) / 255.0;
    EXPECT_TRUE(m.equal(want));
    EXPECT_GT(m.sum().item<double>(), 1000.0);

    link(image(at::rand({1, 100, 300, 3})), 0, n, "image");
    const std::string wrong = failureOf(n);
    EXPECT_NE(wrong.find("the painted mask 'painted.png' is 300x200 but the image is 300x100"), std::string::npos)
        << wrong;

    const NodeId missing = add("PaintedMask", {{"mask_file", "nowhere.png"}});
    const std::string absent = failureOf(missing);
    EXPECT_NE(absent.find("nowhere.png"), std::string::npos) << absent;
    EXPECT_NE(absent.find("PaintedMask"), std::string::npos) << absent;
}
