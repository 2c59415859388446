// Latent, conditioning and ControlNet nodes with ComfyUI's semantics: cropping to whole latent
// cells, inpainting preparation, tiled decoding, latent upscaling, clip skip, ControlNet hints.
#include "core/engine/text/text_encoder.h"
#include "core/exec/executor.h"
#include "nodes/values.h"
#include "tests/nodes/node_test_support.h"
#include "tests/support/tensor_compare.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

using namespace tessera;
using namespace tessera::test;

namespace {

class LatentNodes : public ::testing::Test {
protected:
    void SetUp() override {
        at::manual_seed(1);
        ckpt = b.add("CheckpointLoaderSimple", {{"ckpt_name", "tiny-sd15.safetensors"}});
    }

    NodeId image(const std::string& name, const at::Tensor& pixels) {
        testTensors()[name] = pixels;
        return b.add("TestImage", {{"name", name}});
    }

    NodeId encode(NodeId pixels) {
        const NodeId e = b.add("VAEEncode");
        b.link(pixels, 0, e, "pixels");
        b.link(ckpt, 2, e, "vae");
        return e;
    }

    RunResult run(std::vector<NodeId> targets) {
        RunResult r = executor.run(b.graph, models.env(), {}, std::move(targets));
        EXPECT_TRUE(r.succeeded()) << r.message;
        return r;
    }

    template <class T>
    std::shared_ptr<const T> value(const RunResult& r, NodeId node, int slot = 0) {
        return r.outputs.at(node).at(size_t(slot)).as<T>();
    }

    ModelsFolder models;
    Executor executor{engineNodeRegistry()};
    GraphBuilder b;
    NodeId ckpt = 0;
};

TEST_F(LatentNodes, VaeEncodeCropsOddSizesEvenlyLikeComfyUI) {
    const at::Tensor odd = at::rand({1, 70, 75, 3});
    // 70 % 8 = 6 -> 3 rows off the top; 75 % 8 = 3 -> 1 column off the left.
    const at::Tensor cropped = odd.narrow(1, 3, 64).narrow(2, 1, 72).contiguous();
    const NodeId a = encode(image("odd", odd));
    const NodeId c = encode(image("cropped", cropped));
    const RunResult r = run({a, c});
    ASSERT_EQ(outputTensor(r, a).sizes(), (at::IntArrayRef{1, 4, 8, 9}));
    EXPECT_TRUE(outputTensor(r, a).equal(outputTensor(r, c)));
    // The crop is told to the user; the image of whole cells says nothing.
    ASSERT_EQ(r.notes.size(), 1u);
    EXPECT_EQ(r.notes[0].first, a);
    EXPECT_EQ(r.notes[0].second, "the image is 75x70 pixels and the VAE takes multiples of 8: its centre 72x64 was used, "
                                 "as ComfyUI does");
}

TEST_F(LatentNodes, VaeEncodeForInpaintGreysTheMaskAndGrowsTheNoiseMask) {
    const at::Tensor pixels = at::rand({1, 64, 64, 3});
    at::Tensor mask = at::zeros({1, 64, 64});
    mask.narrow(1, 16, 16).narrow(2, 24, 8).fill_(1.0);
    at::Tensor greyed = pixels.clone();
    greyed.narrow(1, 16, 16).narrow(2, 24, 8).fill_(0.5);
    testTensors()["hole"] = mask;
    const NodeId m = b.add("TestMask", {{"name", "hole"}});
    const NodeId inpaint = b.add("VAEEncodeForInpaint", {{"grow_mask_by", 6}});
    b.link(image("photo", pixels), 0, inpaint, "pixels");
    b.link(ckpt, 2, inpaint, "vae");
    b.link(m, 0, inpaint, "mask");
    const NodeId reference = encode(image("greyed", greyed));
    const RunResult r = run({inpaint, reference});

    EXPECT_TRUE(closeToReference(outputTensor(r, inpaint), outputTensor(r, reference), 1e-6));
    // A 6x6 kernel with padding 3 grows rows 16..31 to 14..34 and columns 24..31 to 22..34.
    at::Tensor grown = at::zeros({1, 1, 64, 64});
    grown.narrow(2, 14, 21).narrow(3, 22, 13).fill_(1.0);
    const at::Tensor noiseMask = value<nodes::LatentValue>(r, inpaint)->noiseMask;
    ASSERT_TRUE(noiseMask.defined());
    EXPECT_TRUE(noiseMask.equal(grown));
}

TEST_F(LatentNodes, InpaintModelConditioningCarriesMaskAndMaskedLatent) {
    const at::Tensor pixels = at::rand({1, 64, 64, 3});
    at::Tensor mask = at::zeros({1, 32, 32});  // half size: resized to the image bilinearly
    mask.narrow(1, 8, 8).narrow(2, 8, 8).fill_(1.0);
    testTensors()["half"] = mask;
    const NodeId m = b.add("TestMask", {{"name", "half"}});
    const NodeId pos = b.add("CLIPTextEncode", {{"text", "a cat"}});
    const NodeId neg = b.add("CLIPTextEncode", {{"text", ""}});
    b.link(ckpt, 1, pos, "clip");
    b.link(ckpt, 1, neg, "clip");
    const NodeId photo = image("photo", pixels);
    const NodeId imc = b.add("InpaintModelConditioning", {{"noise_mask", true}});
    b.link(pos, 0, imc, "positive");
    b.link(neg, 0, imc, "negative");
    b.link(ckpt, 2, imc, "vae");
    b.link(photo, 0, imc, "pixels");
    b.link(m, 0, imc, "mask");
    const NodeId plain = encode(photo);
    const at::Tensor bigMask = at::upsample_bilinear2d(mask.unsqueeze(1), {64, 64}, false);
    const at::Tensor greyed = (pixels - 0.5) * (1.0 - bigMask.round()).squeeze(1).unsqueeze(-1) + 0.5;
    const NodeId masked = encode(image("greyed", greyed));
    const RunResult r = run({imc, plain, masked});

    for (int side : {0, 1}) {
        const auto& cond = value<nodes::ConditioningValue>(r, imc, side)->entries.at(0);
        EXPECT_TRUE(cond.concatMask.equal(bigMask));
        EXPECT_TRUE(closeToReference(cond.concatLatent, outputTensor(r, masked), 1e-6));
        EXPECT_TRUE(cond.context.defined());
    }
    auto latent = value<nodes::LatentValue>(r, imc, 2);
    EXPECT_TRUE(latent->samples.equal(outputTensor(r, plain)));
    EXPECT_TRUE(latent->noiseMask.equal(bigMask));

    b.set(imc, "noise_mask", false);
    const RunResult without = run({imc});
    EXPECT_FALSE(value<nodes::LatentValue>(without, imc, 2)->noiseMask.defined());
}

TEST_F(LatentNodes, TiledDecodeWithOneTileEqualsPlainDecode) {
    const NodeId latent = encode(image("photo", at::rand({1, 128, 128, 3})));
    const NodeId plain = b.add("VAEDecode");
    const NodeId tiled = b.add("VAEDecodeTiled", {{"tile_size", 512}, {"overlap", 64}});
    const NodeId small = b.add("VAEDecodeTiled", {{"tile_size", 64}, {"overlap", 32}});
    for (NodeId n : {plain, tiled, small}) {
        b.link(latent, 0, n, "samples");
        b.link(ckpt, 2, n, "vae");
    }
    const RunResult r = run({plain, tiled, small});
    EXPECT_EQ(outputTensor(r, plain).sizes(), (at::IntArrayRef{1, 128, 128, 3}));
    EXPECT_TRUE(closeToReference(outputTensor(r, tiled), outputTensor(r, plain), 1e-6));
    EXPECT_EQ(outputTensor(r, small).sizes(), outputTensor(r, plain).sizes());
    EXPECT_GE(outputTensor(r, small).min().item<double>(), 0.0);
    EXPECT_LE(outputTensor(r, small).max().item<double>(), 1.0);
}

TEST_F(LatentNodes, TiledEncodeWithOneTileEqualsPlainEncodeAndCropsAsItDoes) {
    const at::Tensor photo = at::rand({1, 131, 130, 3});
    const NodeId pixels = image("photo", photo);
    const NodeId plain = encode(pixels);
    // The first 64x64 tile of the crop (131 rows lose 1 on top, 130 columns 1 on the left).
    const NodeId firstTile = encode(image("first tile", photo.narrow(1, 1, 64).narrow(2, 1, 64).contiguous()));
    const NodeId tiled = b.add("VAEEncodeTiled", {{"tile_size", 512}, {"overlap", 64}});
    const NodeId small = b.add("VAEEncodeTiled", {{"tile_size", 64}, {"overlap", 32}});
    for (NodeId n : {tiled, small}) {
        b.link(pixels, 0, n, "pixels");
        b.link(ckpt, 2, n, "vae");
    }
    const RunResult r = run({plain, tiled, small, firstTile});
    const at::Tensor whole = outputTensor(r, plain);
    ASSERT_EQ(whole.sizes(), (at::IntArrayRef{1, 4, 16, 16}));
    EXPECT_TRUE(closeToReference(outputTensor(r, tiled), whole, 1e-6));
    // Tiles of 8x8 cells; the overlap of 32 pixels is cut to a quarter of the tile, 16 pixels (2 cells): the next
    // tiles start at cell 6 and blend over cells 6 and 7, so cells 0..5 come from the first tile alone.
    const at::Tensor pieces = outputTensor(r, small);
    ASSERT_EQ(pieces.sizes(), whole.sizes());
    EXPECT_TRUE(closeToReference(pieces.narrow(2, 0, 6).narrow(3, 0, 6),
                                 outputTensor(r, firstTile).narrow(2, 0, 6).narrow(3, 0, 6), 1e-6));
    EXPECT_FALSE(closeToReference(pieces, whole, 1e-3)) << "the tiles see less of the image than the whole encode";
    ASSERT_EQ(r.notes.size(), 3u);  // the three nodes given the whole photo cropped 131x130 to 128x128, and said so
    for (const auto& [node, text] : r.notes)
        EXPECT_EQ(text, "the image is 130x131 pixels and the VAE takes multiples of 8: its centre 128x128 was used, as "
                        "ComfyUI does");
}

TEST_F(LatentNodes, EmptyLatentAndLatentUpscale) {
    const NodeId empty = b.add("EmptyLatentImage", {{"width", 64}, {"height", 96}, {"batch_size", 2}});
    const NodeId latent = encode(image("photo", at::rand({1, 64, 64, 3})));
    const NodeId bilinear = b.add("LatentUpscale", {{"upscale_method", "bilinear"}, {"width", 128}, {"height", 96}});
    const NodeId keepAspect = b.add("LatentUpscale", {{"upscale_method", "area"}, {"width", 0}, {"height", 128}});
    const NodeId centre = b.add("LatentUpscale",
                                {{"upscale_method", "nearest-exact"}, {"width", 128}, {"height", 64}, {"crop", "center"}});
    for (NodeId n : {bilinear, keepAspect, centre}) b.link(latent, 0, n, "samples");
    const RunResult r = run({empty, bilinear, keepAspect, centre});

    const at::Tensor e = outputTensor(r, empty);
    EXPECT_EQ(e.sizes(), (at::IntArrayRef{2, 4, 12, 8}));
    EXPECT_EQ(e.abs().max().item<double>(), 0.0);
    const at::Tensor src = outputTensor(r, latent);
    EXPECT_TRUE(outputTensor(r, bilinear).equal(at::upsample_bilinear2d(src, {12, 16}, false)));
    EXPECT_EQ(outputTensor(r, keepAspect).sizes(), (at::IntArrayRef{1, 4, 16, 16}));
    // Aspect 1 -> 2: two latent rows cut from the top and the bottom, then resized.
    EXPECT_TRUE(outputTensor(r, centre).equal(at::_upsample_nearest_exact2d(src.narrow(2, 2, 4), {8, 16})));
}

TEST_F(LatentNodes, ClipSetLastLayerSkipsLayersOnACopy) {
    const NodeId skip = b.add("CLIPSetLastLayer", {{"stop_at_clip_layer", -2}});
    b.link(ckpt, 1, skip, "clip");
    const NodeId skipped = b.add("CLIPTextEncode", {{"text", "a cat"}});
    const NodeId normal = b.add("CLIPTextEncode", {{"text", "a cat"}});
    b.link(skip, 0, skipped, "clip");
    b.link(ckpt, 1, normal, "clip");
    const RunResult r = run({skipped, normal, ckpt});
    auto encoder = value<nodes::ClipValue>(r, ckpt, 1)->encoder;
    EXPECT_EQ(encoder->lastLayer(), -1);  // the loader's encoder is untouched
    const at::Tensor a = value<nodes::ConditioningValue>(r, skipped)->entries.at(0).context;
    const at::Tensor n = value<nodes::ConditioningValue>(r, normal)->entries.at(0).context;
    EXPECT_TRUE(a.equal(encoder->encode("a cat", -2)));
    EXPECT_TRUE(n.equal(encoder->encode("a cat", -1)));
    EXPECT_FALSE(a.equal(n));
}

TEST_F(LatentNodes, ControlNetApplyAdvancedAppendsToBothSides) {
    const NodeId pos = b.add("CLIPTextEncode", {{"text", "a cat"}});
    const NodeId neg = b.add("CLIPTextEncode", {{"text", ""}});
    b.link(ckpt, 1, pos, "clip");
    b.link(ckpt, 1, neg, "clip");
    const NodeId net = b.add("ControlNetLoader", {{"control_net_name", "tiny-controlnet-sd15.safetensors"}});
    const at::Tensor hint = at::rand({1, 64, 64, 3});
    const NodeId hintImage = image("hint", hint);
    auto apply = [&](double strength) {
        const NodeId a = b.add("ControlNetApplyAdvanced",
                               {{"strength", strength}, {"start_percent", 0.1}, {"end_percent", 0.7}});
        b.link(pos, 0, a, "positive");
        b.link(neg, 0, a, "negative");
        b.link(net, 0, a, "control_net");
        b.link(hintImage, 0, a, "image");
        return a;
    };
    const NodeId once = apply(0.8);
    const NodeId off = apply(0.0);
    // Chained: a second ControlNet adds to the first.
    const NodeId twice = b.add("ControlNetApplyAdvanced");
    b.link(once, 0, twice, "positive");
    b.link(once, 1, twice, "negative");
    b.link(net, 0, twice, "control_net");
    b.link(hintImage, 0, twice, "image");
    const RunResult r = run({once, off, twice, pos});

    for (int side : {0, 1}) {
        const auto& c = value<nodes::ConditioningValue>(r, once, side)->entries.at(0);
        ASSERT_EQ(c.controls.size(), 1u);
        EXPECT_TRUE(c.controls[0].hint.equal(hint.permute({0, 3, 1, 2})));
        EXPECT_EQ(c.controls[0].strength, 0.8);
        EXPECT_EQ(c.controls[0].startPercent, 0.1);
        EXPECT_EQ(c.controls[0].endPercent, 0.7);
        EXPECT_EQ(value<nodes::ConditioningValue>(r, twice, side)->entries.at(0).controls.size(), 2u);
    }
    EXPECT_EQ(value<nodes::ConditioningValue>(r, off, 0), value<nodes::ConditioningValue>(r, pos, 0));
}

}  // namespace
